// `npm run bench:admin-reads`: do admin reads stall proxied traffic?
// One gateway (2 workers) holds a big fleet (default 20 services x 500 nodes =
// 10k nodes) plus one small service "bench" with two real nodes. Proxied
// latency of "bench" is measured idle, then while admin readers loop over
// GET /v1/stats, GET /metrics and GET /v1/upstreams (what a scraper and a few
// portal pages do, back to back, as fast as the gateway answers). Proxied
// latency comes from wrk (-t1, --clients connections, closed loop).
// Target (issue 10): proxied p99 while reading within 5x the idle p99.
//
//   npm run bench:admin-reads -- [--services 20] [--nodes-per-service 500]
//     [--duration 20] [--clients 4] [--readers 2] [--paths /v1/stats,/metrics,/v1/upstreams] [--check]
import { randomBytes } from "node:crypto";
import fsp from "node:fs/promises";
import { spawn } from "node:child_process";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { startBackends } from "../scripts/lib/backends";
import { startGateway } from "../scripts/lib/gateway";
import { freePort } from "../scripts/lib/net";

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : (process.env[`BENCH_${n.toUpperCase().replace(/-/g, "_")}`] ?? d);
};
const SERVICES = Number(flag("services", "20"));
const PER_SERVICE = Number(flag("nodes-per-service", "500"));
const DURATION_S = Number(flag("duration", "20"));
const CLIENTS = Number(flag("clients", "4"));
const READERS = Number(flag("readers", "2"));
const CHECK = args.includes("--check");
const PATHS = flag("paths", "/v1/stats,/metrics,/v1/upstreams").split(",");

type Res = { status: number; body: Buffer };

function get(agent: http.Agent, url: string, headers: Record<string, string>): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`timeout ${url}`)));
    req.on("error", reject);
  });
}

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Phase {
  /** CPU time of the gateway's workers over the phase, as a share of one core */
  workerCpu: number;
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  reads: Record<string, { n: number; p50: number; max: number; bytes: number }>;
}

/** wrk's latency distribution: "99%   12.34ms" lines and Max, in ms. */
function wrkLatency(out: string): { p50: number; p99: number; max: number; requests: number; errors: number } {
  const ms = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 } as Record<string, number>)[unit];
  const pctl = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(out);
    return m ? ms(m[1], m[2]) : NaN;
  };
  const max = /Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s|m)/.exec(out);
  const errs = [/Non-2xx or 3xx responses: (\d+)/, /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/]
    .map((re) => re.exec(out))
    .reduce((a, m) => a + (m ? m.slice(1).reduce((x, y) => x + Number(y), 0) : 0), 0);
  return { p50: pctl("50"), p99: pctl("99"), max: max ? ms(max[1], max[2]) : NaN, requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0), errors: errs };
}

function wrk(url: string, seconds: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", ["-t1", `-c${CLIENTS}`, `-d${seconds}s`, "--latency", "-H", "Host: bench", url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`))));
  });
}

// Proxied load by wrk (its own process, so reading big admin bodies here
// cannot delay the latency it measures); admin reads from this process.
/** ns on CPU of the given processes (field 1 of /proc/<pid>/schedstat). */
async function cpuNs(pids: number[]): Promise<number> {
  let sum = 0;
  for (const pid of pids) sum += Number((await fsp.readFile(`/proc/${pid}/schedstat`, "utf8")).split(" ")[0]);
  return sum;
}

async function phase(proxyUrl: string, adminUrl: string, token: string, readers: number, workers: number[]): Promise<Phase> {
  const cpu0 = await cpuNs(workers);
  const t0 = Date.now();
  const adminAgent = new http.Agent({ keepAlive: true, maxSockets: Math.max(1, readers) });
  const load = wrk(`${proxyUrl}/`, DURATION_S);
  const until = Date.now() + DURATION_S * 1000;
  const paths = PATHS;
  const reads: Record<string, number[]> = Object.fromEntries(paths.map((p) => [p, []]));
  const bytes: Record<string, number> = Object.fromEntries(paths.map((p) => [p, 0]));
  const reader = async (offset: number) => {
    for (let i = offset; Date.now() < until; i++) {
      const p = paths[i % paths.length];
      const t0 = process.hrtime.bigint();
      const r = await get(adminAgent, adminUrl + p, { authorization: `Bearer ${token}` });
      if (r.status !== 200) throw new Error(`${p}: ${r.status} ${r.body.toString().slice(0, 200)}`);
      reads[p].push(Number(process.hrtime.bigint() - t0) / 1e6);
      bytes[p] = r.body.length;
    }
  };
  await Promise.all(Array.from({ length: readers }, (_, i) => reader(i)));
  const lat = wrkLatency(await load);
  const workerCpu = (await cpuNs(workers) - cpu0) / 1e6 / (Date.now() - t0);
  adminAgent.destroy();
  const out: Phase = { ...lat, workerCpu, reads: {} };
  for (const p of paths) {
    const s = reads[p].sort((a, b) => a - b);
    if (s.length) out.reads[p] = { n: s.length, p50: pct(s, 50), max: s[s.length - 1], bytes: bytes[p] };
  }
  return out;
}

async function main() {
  const be = await startBackends({ ports: [await freePort(), await freePort()], version: "v1" });
  const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), "graylane-bench-admin-"));
  const token = randomBytes(16).toString("hex");
  const gw = await startGateway({ token, stateDir, workers: 2, errorLogLevel: "warn", statsDictSize: "64m" });
  try {
    const put = async (name: string, body: unknown) => {
      const r = await fetch(`${gw.adminUrl}/v1/upstreams/${name}`, {
        method: "PUT",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (r.status >= 300) throw new Error(`PUT ${name}: ${r.status} ${await r.text()}`);
    };
    await put("bench", { nodes: be.addrs.map((addr) => ({ addr })) });
    for (let s = 0; s < SERVICES; s++) {
      const nodes = Array.from({ length: PER_SERVICE }, (_, i) => ({ addr: `10.${s}.${i >> 8}.${i & 255}:8080`, weight: 1 + (i % 5) }));
      await put(`svc${String(s).padStart(2, "0")}`, { nodes });
    }
    const total = SERVICES * PER_SERVICE;
    console.error(`admin-reads: ${SERVICES} services x ${PER_SERVICE} nodes = ${total} nodes; ${DURATION_S}s per phase, ${CLIENTS} proxy clients, ${READERS} admin readers`);
    // warm-up: JIT, keep-alive connections, and the first renderings of the
    // big documents, so the measured phase is the steady state of a loop
    const workers = await gw.workerPids();
    await phase(gw.proxyUrl, gw.adminUrl, token, READERS, workers);
    const idle = await phase(gw.proxyUrl, gw.adminUrl, token, 0, workers);
    const busy = await phase(gw.proxyUrl, gw.adminUrl, token, READERS, workers);
    const ratio = busy.p99 / idle.p99;
    const f = (n: number) => n.toFixed(1);
    const load = os.loadavg()[0].toFixed(1);
    console.log(`load average (1 min) at the end: ${load} on ${os.cpus().length} cores\n`);
    console.log(`| phase | proxied requests | errors | p50 ms | p99 ms | max ms | gateway workers' CPU (cores) |\n| --- | --- | --- | --- | --- | --- | --- |`);
    for (const [name, p] of [["idle", idle], [`${READERS} admin readers looping`, busy]] as const) {
      console.log(`| ${name} | ${p.requests} | ${p.errors} | ${f(p.p50)} | ${f(p.p99)} | ${f(p.max)} | ${p.workerCpu.toFixed(2)} |`);
    }
    console.log(`\np99 while reading / idle p99: **${ratio.toFixed(2)}x** (target <= 5x)\n`);
    console.log(`| admin read | calls | p50 ms | max ms | body bytes |\n| --- | --- | --- | --- | --- |`);
    for (const [p, r] of Object.entries(busy.reads)) console.log(`| ${p} | ${r.n} | ${f(r.p50)} | ${f(r.max)} | ${r.bytes} |`);
    if (CHECK && (ratio > 5 || busy.errors > 0 || idle.errors > 0)) process.exitCode = 1;
  } finally {
    await gw.stop();
    await be.stop();
    await fsp.rm(stateDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 2;
});
