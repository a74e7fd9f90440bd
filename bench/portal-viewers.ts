// Concurrency run of `npm run bench:portal`: N viewers with their browsers open, as the
// portal's pages behave — half on the overview (/services), half on a service page — each
// opening its page, then polling what that page polls (live stats every 2 s, the node graphs
// every 10 s) and opening the page again every `pageEveryMs` (navigation, reload). Every
// response is timed to its last byte and must be a 200 (pages: holding their marker).

export type ViewerOptions = {
  portalUrl: string;
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

export type EndpointStats = { endpoint: string; n: number; p50: number; p95: number; p99: number; max: number; bad: number };

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export async function measureViewers(o: ViewerOptions): Promise<{ endpoints: EndpointStats[]; pages: EndpointStats; polls: EndpointStats; all: EndpointStats }> {
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

  const end = performance.now() + o.seconds * 1000;
  const viewer = async (i: number) => {
    const onService = i % 2 === 1;
    const service = o.services[Math.floor(i / 2) % o.services.length];
    const start = performance.now() + Math.random() * statsEvery; // viewers do not arrive in lockstep
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
  o.log?.(`${o.viewers} viewers for ${o.seconds} s (pages every ${pageEvery / 1000} s, stats every ${statsEvery / 1000} s, graphs every ${seriesEvery / 1000} s)…`);
  await Promise.all(Array.from({ length: o.viewers }, (_, i) => viewer(i)));

  const stat = (endpoint: string, xs: number[], nBad: number): EndpointStats => {
    const s = [...xs].sort((a, b) => a - b);
    return { endpoint, n: s.length, p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), max: s[s.length - 1] ?? NaN, bad: nBad };
  };
  const endpoints = Object.values(kinds).map((k) => stat(k, times.get(k) ?? [], bad.get(k) ?? 0));
  const group = (name: string, pred: (k: string) => boolean) =>
    stat(
      name,
      [...times].filter(([k]) => pred(k)).flatMap(([, v]) => v),
      [...bad].filter(([k]) => pred(k)).reduce((n, [, v]) => n + v, 0),
    );
  return { endpoints, pages: group("all page loads", (k) => k.startsWith("page")), polls: group("all polls", (k) => k.startsWith("poll")), all: group("every request", () => true) };
}
