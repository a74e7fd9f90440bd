// Concurrency run of `npm run bench:portal`: N viewers with their browsers open, as the
// portal's pages behave — half on the overview (/services), half on a service page — each
// opening its page, then polling what that page polls (live stats every 2 s, the node graphs
// every 10 s) and opening the page again every `pageEveryMs` (navigation, reload). Every
// response is timed to its last byte and must be a 200 (pages: holding their marker).
//
// Latency on a shared machine mostly measures the other tenants, so the run also reports
// what does not depend on them: the portal's own CPU time per request of each kind (from
// /proc, over sequential requests, the idle background loops subtracted) and the share of
// one core the viewers' request mix needs (Node serves a page on one core).
import { readdirSync, readFileSync } from "node:fs";

export type ViewerOptions = {
  portalUrl: string;
  /** Process group of the portal (its CPU time is read from /proc). */
  portalPgid?: number;
  cookie: string;
  viewers: number;
  seconds: number;
  /** Service pages the service viewers spread over. */
  services: string[];
  /** Marker of a complete overview render. */
  overviewMarker: string;
  pageEveryMs?: number;
  statsEveryMs?: number;
  seriesEveryMs?: number;
  log?: (line: string) => void;
};

export type EndpointStats = { endpoint: string; n: number; p50: number; p95: number; p99: number; max: number; bad: number; cpuMs?: number };

const CLK_TCK = 100;

/** utime + stime of every process in the group, in ms. */
export function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // f[0] = state (field 3)
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]); // pgrp (5), utime (14), stime (15)
    } catch {
      // the process ended meanwhile
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function measureViewers(o: ViewerOptions) {
  const pageEvery = o.pageEveryMs ?? 15_000;
  const statsEvery = o.statsEveryMs ?? 2000;
  const seriesEvery = o.seriesEveryMs ?? 10_000;
  const times = new Map<string, number[]>();
  const bad = new Map<string, number>();
  const kinds = { overview: "page: /services", service: "page: /services/[name]", stats: "poll: /api/services/stats", statsOne: "poll: /api/services/stats?service=", series: "poll: /api/services/[name]/series" };

  async function timed(kind: string, url: string, marker?: string): Promise<void> {
    const t0 = performance.now();
    let ok = false;
    try {
      const res = await fetch(url, { headers: { cookie: o.cookie, "accept-language": "en" }, redirect: "manual" });
      const body = await res.text();
      ok = res.status === 200 && (!marker || body.includes(marker));
    } catch {
      ok = false;
    }
    const ms = performance.now() - t0;
    if (ok) (times.get(kind) ?? times.set(kind, []).get(kind)!).push(ms);
    else bad.set(kind, (bad.get(kind) ?? 0) + 1);
  }

  let end = 0;
  const viewer = async (i: number) => {
    const onService = i % 2 === 1;
    const service = o.services[Math.floor(i / 2) % o.services.length];
    // Viewers arrive spread over one page interval, as people do; not all in the same instant.
    const start = performance.now() + (i / o.viewers) * pageEvery + Math.random() * 200;
    const due = { page: start, stats: start + 300, series: start + 400 };
    while (true) {
      const next = Math.min(due.page, due.stats, onService ? due.series : Infinity);
      if (next >= end) return;
      await sleep(next - performance.now());
      if (next === due.page) {
        due.page += pageEvery;
        await (onService
          ? timed(kinds.service, `${o.portalUrl}/services/${encodeURIComponent(service)}`, 'data-testid="node-table"')
          : timed(kinds.overview, `${o.portalUrl}/services`, o.overviewMarker));
      } else if (next === due.stats) {
        due.stats += statsEvery;
        await (onService ? timed(kinds.statsOne, `${o.portalUrl}/api/services/stats?service=${encodeURIComponent(service)}`) : timed(kinds.stats, `${o.portalUrl}/api/services/stats`));
      } else {
        due.series += seriesEvery;
        await timed(kinds.series, `${o.portalUrl}/api/services/${encodeURIComponent(service)}/series`);
      }
    }
  };
  // CPU per request of each kind, sequentially (nothing queued), minus the idle rate of the background loops.
  const cpu = new Map<string, number>();
  if (o.portalPgid) {
    const pgid = o.portalPgid;
    const idle0 = groupCpuMs(pgid);
    const t0 = performance.now();
    await sleep(5000);
    const idlePerMs = (groupCpuMs(pgid) - idle0) / (performance.now() - t0);
    const svc = o.services[0];
    const probes: [string, string, string?][] = [
      [kinds.overview, `${o.portalUrl}/services`, o.overviewMarker],
      [kinds.service, `${o.portalUrl}/services/${encodeURIComponent(svc)}`, 'data-testid="node-table"'],
      [kinds.stats, `${o.portalUrl}/api/services/stats`],
      [kinds.statsOne, `${o.portalUrl}/api/services/stats?service=${encodeURIComponent(svc)}`],
      [kinds.series, `${o.portalUrl}/api/services/${encodeURIComponent(svc)}/series`],
    ];
    const N = 20;
    for (const [kind, url, marker] of probes) {
      const c0 = groupCpuMs(pgid);
      const w0 = performance.now();
      for (let i = 0; i < N; i++) await timed(`calibrate ${kind}`, url, marker);
      cpu.set(kind, Math.max(0, (groupCpuMs(pgid) - c0 - idlePerMs * (performance.now() - w0)) / N));
    }
    o.log?.(`CPU per request: ${[...cpu].map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(", ")}; idle loops ${(idlePerMs * 1000).toFixed(0)} ms/s`);
    for (const k of [...times.keys()]) if (k.startsWith("calibrate")) times.delete(k);
  }
  const cpuAt0 = o.portalPgid ? groupCpuMs(o.portalPgid) : 0;
  const wallAt0 = performance.now();
  end = wallAt0 + o.seconds * 1000;

  o.log?.(`${o.viewers} viewers for ${o.seconds} s (pages every ${pageEvery / 1000} s, stats every ${statsEvery / 1000} s, graphs every ${seriesEvery / 1000} s)…`);
  await Promise.all(Array.from({ length: o.viewers }, (_, i) => viewer(i)));

  const busy = o.portalPgid ? (groupCpuMs(o.portalPgid) - cpuAt0) / (performance.now() - wallAt0) : null;

  const stat = (endpoint: string, xs: number[], nBad: number): EndpointStats => {
    const s = [...xs].sort((a, b) => a - b);
    return { endpoint, n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] ?? NaN, bad: nBad, cpuMs: cpu.get(endpoint) };
  };
  const endpoints = Object.values(kinds).map((k) => stat(k, times.get(k) ?? [], bad.get(k) ?? 0));
  const group = (name: string, pred: (k: string) => boolean) =>
    stat(
      name,
      [...times].filter(([k]) => pred(k)).flatMap(([, v]) => v),
      [...bad].filter(([k]) => pred(k)).reduce((n, [, v]) => n + v, 0),
    );
  // The mix's demand on the portal's core: requests/s of each kind × its CPU time.
  const demand = cpu.size ? endpoints.reduce((sum, e) => sum + (e.n / o.seconds) * (e.cpuMs ?? 0), 0) / 1000 : null;
  return {
    endpoints,
    pages: group("all page loads", (k) => k.startsWith("page")),
    polls: group("all polls", (k) => k.startsWith("poll")),
    all: group("every request", () => true),
    /** Share of one core the viewers' requests need (from the calibrated CPU per request). */
    demand,
    /** Share of one core the portal actually used during the run (incl. background loops). */
    busy,
  };
}
