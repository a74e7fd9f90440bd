// `npm run bench:gateway`: the Graylane gateway against a static nginx upstream
// of the same nodes, measured with wrk in interleaved repetitions.
//
// Main metric: proxy worker CPU time per request, from /proc/<pid>/schedstat
// (field 1 = ns on CPU) summed over the worker processes of the nginx under
// test. On 2 shared cores req/s swings with whatever else runs; CPU per request
// does much less, and interleaving (static, gateway, static, gateway, …) spreads
// the remaining drift over both. Nothing is pinned (see docs/benchmarks.md).
//
//   npm run bench:gateway -- [--reps 3] [--duration 10s] [--threads 2]
//     [--connections 32] [--workers 2] [--warmup 1s] [--backend nginx|node]
//     [--profile] [--variants static,gateway,…] [--check] [--markdown]
//     [--perf DIR]   (perf record of the proxy workers during each measured run)
// Every flag also reads BENCH_<NAME> from the environment (e.g. BENCH_REPS=5).
import { randomBytes } from "node:crypto";
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startBackends } from "../scripts/lib/backends";
import { childrenOfSync, findNginx, resolveWorkerUser, startGateway, type GatewayHandle } from "../scripts/lib/gateway";
import { freePort, waitForTcp } from "../scripts/lib/net";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, "..");
const SERVICE = "bench";
const SERVICE_NOGRAY = "bench-nogray";
const WEIGHTS = [5, 3, 2];
// Header, cookie and CIDR rule; wrk sends none of them from 127.0.0.1, so every
// request is evaluated against the rule and goes to the stable pool.
const GRAY_RULE = {
  header: { name: "X-Gray", value: "1" },
  cookie: { name: "gray", value: "1" },
  cidrs: ["10.0.0.0/8", "192.168.0.0/16"],
  percent: 0,
};
// issue 17: CPU per request within 5% of static, req/s within 3%
const TARGETS = { cpuPerReq: 1.05, rps: 0.97 };

// ---------------------------------------------------------------- options

interface Options {
  reps: number;
  duration: string;
  threads: number;
  connections: number;
  workers: number;
  warmup: string;
  backend: "nginx" | "node";
  backendWorkers: number;
  variants: string[];
  check: boolean;
  markdown: boolean;
  /** directory for `perf record` profiles of the proxy workers, one per measured run */
  perf: string;
}

const ALL_VARIANTS = ["static", "gateway", "gateway-nogray", "gateway-nostats", "lua-minimal"];

function parseArgs(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf("=");
    if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
    else if (["check", "markdown", "profile"].includes(a.slice(2))) flags.set(a.slice(2), "1");
    else flags.set(a.slice(2), argv[++i] ?? "");
  }
  const get = (name: string, dflt: string): string =>
    flags.get(name) ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, "_")}`] ?? dflt;
  const int = (name: string, dflt: number, min: number): number => {
    const v = Number(get(name, String(dflt)));
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return v;
  };
  const dur = (name: string, dflt: string): string => {
    const v = get(name, dflt);
    if (!/^\d+(ms|s|m)?$/.test(v)) throw new Error(`--${name} must be a wrk duration such as 10s`);
    return v;
  };
  const backend = get("backend", "nginx");
  if (backend !== "nginx" && backend !== "node") throw new Error("--backend must be nginx or node");
  const truthy = (name: string) => ["1", "true", "yes"].includes(get(name, "0"));
  const profile = truthy("profile");
  const variants = get("variants", profile ? ALL_VARIANTS.join(",") : "static,gateway").split(",").filter(Boolean);
  for (const v of variants) if (!ALL_VARIANTS.includes(v)) throw new Error(`unknown variant ${v} (known: ${ALL_VARIANTS.join(", ")})`);
  if (!variants.includes("static")) variants.unshift("static");
  return {
    reps: int("reps", 3, 1),
    duration: dur("duration", "10s"),
    threads: int("threads", 2, 1),
    connections: int("connections", 32, 1),
    workers: int("workers", 2, 1),
    warmup: dur("warmup", "1s"),
    backend,
    backendWorkers: int("backend-workers", 1, 1),
    variants,
    check: truthy("check"),
    markdown: truthy("markdown"),
    perf: get("perf", ""),
  };
}

// ---------------------------------------------------------------- processes

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanups: Array<() => Promise<unknown>> = [];

function isWorker(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("nginx: worker process");
  } catch {
    return false;
  }
}

function render(tmpl: string, vars: Record<string, string>): string {
  return tmpl.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    if (!(k in vars)) throw new Error(`template variable ${k} not provided`);
    return vars[k];
  });
}

interface PlainNginx {
  masterPid: number;
  workerPids(): number[];
  stop(): Promise<void>;
}

/** Runs a bench-only nginx (static proxy, lua-minimal proxy or backend nodes) from a bench/ template. */
async function startPlainNginx(tag: string, template: string, vars: Record<string, string>, waitPort: number, workers: number, lua: boolean): Promise<PlainNginx> {
  const nginx = findNginx();
  const prefix = await fsp.mkdtemp(path.join(os.tmpdir(), `graylane-bench-${tag}-`));
  for (const d of ["logs", "tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"]) {
    await fsp.mkdir(path.join(prefix, d), { recursive: true });
  }
  const main: string[] = [];
  if (lua && nginx.loadModules) for (const m of nginx.modules) main.push(`load_module ${m};`);
  if (process.getuid?.() === 0) {
    // same worker user as the gateway, who must reach the prefix's tmp dirs
    const u = resolveWorkerUser();
    main.push(`user ${u.user} ${u.group};`);
    await fsp.chmod(prefix, 0o755);
  }
  const conf = render(await fsp.readFile(path.join(BENCH_DIR, template), "utf8"), {
    ...vars,
    MAIN_DIRECTIVES: main.join("\n"),
    PREFIX: prefix,
    WORKERS: String(workers),
  });
  const confFile = path.join(prefix, "nginx.conf");
  await fsp.writeFile(confFile, conf);
  const child: ChildProcess = spawn(nginx.bin, ["-p", prefix + "/", "-c", confFile], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const masterPid = child.pid!;
  const workerPids = () => childrenOfSync(masterPid).filter(isWorker);
  const stop = async () => {
    if (!gone) {
      child.kill("SIGQUIT");
      if (!(await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]))) {
        for (const w of workerPids()) process.kill(w, "SIGKILL");
        child.kill("SIGKILL");
        await exited;
      }
    }
    await fsp.rm(prefix, { recursive: true, force: true });
  };
  cleanups.push(stop);
  try {
    await waitForTcp("127.0.0.1", waitPort, 10_000);
    const deadline = Date.now() + 10_000;
    while (workerPids().length < workers) {
      if (gone || Date.now() > deadline) throw new Error(`${tag} nginx did not start: ${stderr}`);
      await sleep(20);
    }
  } catch (e) {
    const log = await fsp.readFile(path.join(prefix, "logs/error.log"), "utf8").catch(() => "");
    throw new Error(`${tag} nginx did not start: ${e instanceof Error ? e.message : e}\n${stderr}${log}`);
  }
  return { masterPid, workerPids, stop };
}

// ---------------------------------------------------------------- gateway admin

async function admin(gw: GatewayHandle, method: string, p: string, body?: unknown): Promise<void> {
  const res = await fetch(gw.adminUrl + p, {
    method,
    headers: { authorization: `Bearer ${gw.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
}

/** Stable nodes with WEIGHTS, one gray node (so the rule is evaluated), header + cookie + CIDR rule. */
async function configureGateway(gw: GatewayHandle, stable: string[], grayNode: string): Promise<void> {
  await admin(gw, "PUT", `/v1/upstreams/${SERVICE}`, {
    algorithm: "round_robin",
    nodes: [...stable.map((addr, i) => ({ addr, weight: WEIGHTS[i] })), { addr: grayNode, state: "gray" }],
    gray: GRAY_RULE,
  });
  // same stable pool, no gray node: the balancer skips the rule entirely
  await admin(gw, "PUT", `/v1/upstreams/${SERVICE_NOGRAY}`, {
    algorithm: "round_robin",
    nodes: stable.map((addr, i) => ({ addr, weight: WEIGHTS[i] })),
  });
}

/**
 * A second gateway whose proxy location has no log_by_lua (stats and in-flight
 * accounting off). Profiling only: the rendered config in its prefix is edited
 * and reloaded; the gateway's own templates are untouched.
 */
async function startGatewayNoStats(workers: number, token: string): Promise<GatewayHandle> {
  const prefix = await fsp.mkdtemp(path.join(os.tmpdir(), "graylane-bench-nostats-"));
  const stateDir = path.join(prefix, "state");
  const gw = await startGateway({ token, stateDir, workers, prefix, errorLogLevel: "warn" });
  cleanups.push(async () => {
    await gw.stop();
    await fsp.rm(prefix, { recursive: true, force: true });
  });
  const file = path.join(prefix, "graylane-proxy.conf");
  const conf = await fsp.readFile(file, "utf8");
  const stripped = conf.replace(/log_by_lua_block\s*\{[^}]*\}\s*/, "");
  if (stripped === conf) throw new Error("gateway-nostats: no log_by_lua_block in graylane-proxy.conf");
  await fsp.writeFile(file, stripped);
  await gw.reload();
  return gw;
}

// ---------------------------------------------------------------- measuring

function cpuNs(pids: number[]): bigint {
  let sum = 0n;
  for (const pid of pids) sum += BigInt(fs.readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ")[0]);
  return sum;
}

interface WrkResult {
  requests: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  socketErrors: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "ms" ? v : unit === "s" ? v * 1000 : unit === "m" ? v * 60_000 : NaN;
}

function parseWrk(out: string): WrkResult {
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (!m) throw new Error(`cannot parse wrk output (${re}):\n${out}`);
    return Number(m[1]);
  };
  const pct = (p: number): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(out);
    if (!m) throw new Error(`no ${p}% latency in wrk output:\n${out}`);
    return toMs(m[1], m[2]);
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    requests: num(/(\d+) requests in /),
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50ms: pct(50),
    p99ms: pct(99),
    non2xx: non ? Number(non[1]) : 0,
    socketErrors: sock ? sock.slice(1).reduce((s, x) => s + Number(x), 0) : 0,
  };
}

function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m)?$/.exec(d)!;
  const v = Number(m[1]);
  return m[2] === "ms" ? v : m[2] === "m" ? v * 60_000 : v * 1000;
}

function wrk(o: Options, url: string, host: string, duration: string): Promise<string> {
  const args = [`-t${o.threads}`, `-c${o.connections}`, `-d${duration}`, "--latency", "-H", `Host: ${host}`, url];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (d: string) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), durationMs(duration) + 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk ${args.join(" ")} exited with ${code}:\n${out}`));
    });
  });
}

/** GET with a Host header (fetch may not set one). */
function get(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { host }, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on("error", reject);
  });
}

interface Target {
  name: string;
  url: string;
  host: string;
  workerPids(): number[] | Promise<number[]>;
}

/** `perf record` of the given workers until the returned function is called (profiling only, adds CPU). */
async function startPerf(file: string, pids: number[]): Promise<() => Promise<void>> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const child = spawn("perf", ["record", "-q", "-F", "999", "-g", "-o", file, "-p", pids.join(",")], { stdio: ["ignore", "ignore", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (e) => console.error(`bench: perf: ${e.message}`));
  await sleep(300); // let perf attach before the load starts
  return async () => {
    child.kill("SIGINT");
    await exited;
  };
}

interface Run extends WrkResult {
  variant: string;
  rep: number;
  cpuUsPerReq: number;
  workers: number;
}

async function measure(o: Options, t: Target, rep: number): Promise<Run> {
  if (durationMs(o.warmup) > 0) await wrk(o, t.url, t.host, o.warmup); // re-opens upstream keepalive connections
  const pids = await t.workerPids();
  if (pids.length !== o.workers) throw new Error(`${t.name}: expected ${o.workers} workers, found ${pids.length}`);
  const perf = o.perf ? await startPerf(path.join(o.perf, `${t.name}-rep${rep}.data`), pids) : undefined;
  const before = cpuNs(pids);
  const r = parseWrk(await wrk(o, t.url, t.host, o.duration));
  const after = cpuNs(pids);
  await perf?.();
  const still = await t.workerPids();
  if (still.length !== pids.length || still.some((p) => !pids.includes(p))) throw new Error(`${t.name}: workers changed during the run`);
  return { ...r, variant: t.name, rep, workers: pids.length, cpuUsPerReq: Number(after - before) / 1000 / r.requests };
}

// ---------------------------------------------------------------- report

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Summary {
  variant: string;
  rps: number;
  p50ms: number;
  p99ms: number;
  cpuUsPerReq: number;
  errors: number;
  /** medians of the per-repetition ratios variant/static (each paired with the static run just before it) */
  ratio: { rps: number; p50: number; p99: number; cpu: number };
}

function summarize(runs: Run[], variants: string[]): Summary[] {
  const staticByRep = new Map(runs.filter((r) => r.variant === "static").map((r) => [r.rep, r]));
  return variants.map((v) => {
    const rs = runs.filter((r) => r.variant === v);
    const ratio = (f: (r: Run) => number) => median(rs.map((r) => f(r) / f(staticByRep.get(r.rep)!)));
    return {
      variant: v,
      rps: median(rs.map((r) => r.rps)),
      p50ms: median(rs.map((r) => r.p50ms)),
      p99ms: median(rs.map((r) => r.p99ms)),
      cpuUsPerReq: median(rs.map((r) => r.cpuUsPerReq)),
      errors: rs.reduce((s, r) => s + r.non2xx + r.socketErrors, 0),
      ratio: { rps: ratio((r) => r.rps), p50: ratio((r) => r.p50ms), p99: ratio((r) => r.p99ms), cpu: ratio((r) => r.cpuUsPerReq) },
    };
  });
}

function table(header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`);
  return lines.join("\n");
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);

function summaryTable(s: Summary[]): string {
  return table(
    ["variant", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "non-2xx + socket err", "req/s ×static", "p50 ×static", "p99 ×static", "CPU/req ×static"],
    s.map((x) => [x.variant, f1(x.rps), f3(x.p50ms), f3(x.p99ms), f2(x.cpuUsPerReq), String(x.errors), f3(x.ratio.rps), f3(x.ratio.p50), f3(x.ratio.p99), f3(x.ratio.cpu)]),
  );
}

function rawTable(runs: Run[]): string {
  return table(
    ["rep", "variant", "requests", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "non-2xx", "socket err"],
    runs.map((r) => [String(r.rep), r.variant, String(r.requests), f1(r.rps), f3(r.p50ms), f3(r.p99ms), f2(r.cpuUsPerReq), String(r.non2xx), String(r.socketErrors)]),
  );
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  } catch {
    return "?";
  }
}

/** The code under test, read before nginx loads it (the tree may move during a long run). */
function codeVersion(): string {
  const head = sh("git", ["-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]);
  const dirty = sh("git", ["-C", REPO_ROOT, "status", "--porcelain", "--", "lua", "openresty"]);
  return `commit ${head}${dirty ? " + uncommitted changes in lua/ or openresty/" : ""}`;
}

function machineNotes(o: Options, code: string, loadStart: number[], loadEnd: number[]): string[] {
  const cpu = os.cpus();
  const nginxVersion = spawnSync(findNginx().bin, ["-v"], { encoding: "utf8" }).stderr.trim().replace(/^nginx version:\s*/, "") || "?";
  const osName = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync("/etc/os-release", "utf8"))?.[1] ?? "?";
    } catch {
      return "?";
    }
  })();
  return [
    `date: ${new Date().toISOString()} (end of run); gateway code: ${code}`,
    `machine: ${osName}, kernel ${os.release()}, ${cpu.length} × ${cpu[0]?.model ?? "?"}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `load average (1 min) at start ${loadStart[0].toFixed(2)}, at end ${loadEnd[0].toFixed(2)} — the cores are shared with other work`,
    `nginx ${nginxVersion} (${findNginx().kind}), ${spawnSync("wrk", ["--version"], { encoding: "utf8" }).stdout.split("\n")[0].split(" Copyright")[0] || "wrk"}`,
    `proxies: ${o.workers} worker(s) each; backends: ${o.backend === "nginx" ? `one plain nginx (${o.backendWorkers} worker) answering \`return 200\` on each node port` : "the Node.js demo nodes"}; nothing pinned`,
    `load: wrk -t${o.threads} -c${o.connections} -d${o.duration} --latency, ${o.warmup} warm-up before every run; ${o.reps} repetitions, order per repetition: ${o.variants.join(", ")}`,
  ];
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const token = "bench-" + randomBytes(16).toString("hex");
  const loadStart = os.loadavg();
  const code = codeVersion();
  const log = (s: string) => console.error(`bench: ${s}`);

  // nodes: 3 stable + 1 gray (the gray node gets no traffic: nothing matches the rule)
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  if (o.backend === "nginx") {
    const servers = ports
      .map((p, i) => `    server {\n        listen 127.0.0.1:${p} reuseport;\n        location / { return 200 "node-${p} v1 ${i < 3 ? "stable" : "gray"}\\n"; }\n    }`)
      .join("\n");
    const be = await startPlainNginx("backends", "backend-nginx.conf.tmpl", { SERVERS: servers }, ports[ports.length - 1], o.backendWorkers, false);
    for (const p of ports) await waitForTcp("127.0.0.1", p);
    void be;
  } else {
    const be = await startBackends({ ports, version: "v1" });
    cleanups.push(() => be.stop());
  }
  const stable = addrs.slice(0, 3);
  log(`nodes ${stable.join(", ")} (weights ${WEIGHTS.join("/")}), gray node ${addrs[3]}`);

  const targets: Target[] = [];
  for (const v of o.variants) {
    if (v === "static" || v === "lua-minimal") {
      const port = await freePort();
      const lua = v === "lua-minimal";
      const upstream = lua
        ? `        server 0.0.0.1;\n        balancer_by_lua_block {\n            require("bench_minimal").balance()\n        }`
        : stable.map((a, i) => `        server ${a} weight=${WEIGHTS[i]} max_fails=3 fail_timeout=10s;`).join("\n");
      const peers = stable.map((a) => `{ "127.0.0.1", ${a.split(":")[1]} }`).join(", ");
      const httpExtra = lua
        ? `    lua_package_path "${path.join(BENCH_DIR, "lua")}/?.lua;;";\n    init_by_lua_block {\n        require("bench_minimal").init({ ${peers} })\n    }\n`
        : "";
      const n = await startPlainNginx(v, "static-nginx.conf.tmpl", { LISTEN: `127.0.0.1:${port}`, UPSTREAM_SERVERS: upstream, HTTP_EXTRA: httpExtra, LOCATION_EXTRA: "" }, port, o.workers, lua);
      targets.push({ name: v, url: `http://127.0.0.1:${port}/`, host: SERVICE, workerPids: n.workerPids });
    }
  }
  let gw: GatewayHandle | undefined;
  if (o.variants.some((v) => v === "gateway" || v === "gateway-nogray")) {
    const stateDir = await fsp.mkdtemp(path.join(os.tmpdir(), "graylane-bench-state-"));
    const g = await startGateway({ token, stateDir, workers: o.workers, errorLogLevel: "warn" });
    gw = g;
    cleanups.push(async () => {
      await g.stop();
      await fsp.rm(stateDir, { recursive: true, force: true });
    });
    await configureGateway(g, stable, addrs[3]);
    for (const [v, host] of [["gateway", SERVICE], ["gateway-nogray", SERVICE_NOGRAY]] as const) {
      if (o.variants.includes(v)) targets.push({ name: v, url: g.proxyUrl + "/", host, workerPids: g.workerPids });
    }
  }
  if (o.variants.includes("gateway-nostats")) {
    const g = await startGatewayNoStats(o.workers, token);
    await configureGateway(g, stable, addrs[3]);
    targets.push({ name: "gateway-nostats", url: g.proxyUrl + "/", host: SERVICE, workerPids: g.workerPids });
  }
  targets.sort((a, b) => o.variants.indexOf(a.name) - o.variants.indexOf(b.name));

  // sanity: every target answers 200 from a stable node before anything is measured
  for (const t of targets) {
    const res = await get(t.url, t.host);
    if (res.status !== 200 || !/stable|"version"/.test(res.body)) throw new Error(`${t.name}: ${res.status} ${res.body}`);
  }
  log(`first warm-up of ${targets.map((t) => t.name).join(", ")}`);
  for (const t of targets) await wrk(o, t.url, t.host, "3s");

  const runs: Run[] = [];
  for (let rep = 1; rep <= o.reps; rep++) {
    for (const t of targets) {
      const r = await measure(o, t, rep);
      runs.push(r);
      log(`rep ${rep} ${t.name.padEnd(16)} ${f1(r.rps).padStart(9)} req/s  p50 ${f3(r.p50ms)} ms  p99 ${f3(r.p99ms)} ms  CPU ${f2(r.cpuUsPerReq)} µs/req  errors ${r.non2xx + r.socketErrors}`);
    }
  }
  if (gw) {
    const errs = fs.readFileSync(gw.errorLog, "utf8").split("\n").filter((l) => /\[(error|crit|alert|emerg)\]/.test(l))
      // same directive in the static template: an environment limit, not a gateway error
      .filter((l) => !/setrlimit\(RLIMIT_NOFILE/.test(l));
    if (errs.length) log(`gateway error log has ${errs.length} error line(s), e.g. ${errs[0]}`);
  }

  const summary = summarize(runs, o.variants);
  const gwSum = summary.find((s) => s.variant === "gateway");
  const staticSum = summary.find((s) => s.variant === "static")!;
  const verdict: string[] = [];
  if (gwSum) {
    verdict.push(`CPU/request ${f3(gwSum.ratio.cpu)}× static (target ≤ ${TARGETS.cpuPerReq}): ${gwSum.ratio.cpu <= TARGETS.cpuPerReq ? "met" : "MISSED"}`);
    verdict.push(`req/s ${f3(gwSum.ratio.rps)}× static (target ≥ ${TARGETS.rps}): ${gwSum.ratio.rps >= TARGETS.rps ? "met" : "MISSED"}`);
    verdict.push(`non-2xx + socket errors ${gwSum.errors} (target 0): ${gwSum.errors === 0 ? "met" : "MISSED"}`);
  }
  if (staticSum.errors) verdict.push(`the static baseline itself had ${staticSum.errors} errors: the run is suspect`);
  const missed = verdict.some((v) => v.includes("MISSED") || v.includes("suspect"));

  const args = process.argv.slice(2).filter((a) => a !== "--markdown");
  const command = `npm run bench:gateway${args.length ? " -- " + args.join(" ") : ""}`;
  const md = [
    `Command: \`${command}\``,
    "",
    ...machineNotes(o, code, loadStart, os.loadavg()).map((l) => `- ${l}`),
    "",
    "Medians over the repetitions; ratios are medians of per-repetition ratios to the static run of the same repetition.",
    "",
    summaryTable(summary),
    "",
    ...verdict.map((v) => `- ${v}`),
    "",
    "Raw runs (in the order they ran):",
    "",
    rawTable(runs),
  ].join("\n");

  console.log("\n" + summaryTable(summary) + "\n");
  for (const v of verdict) console.log(v);
  if (o.markdown) console.log("\n<!-- markdown for docs/benchmarks.md -->\n" + md);
  else console.log("\n" + rawTable(runs) + "\n(--markdown prints a block for docs/benchmarks.md)");
  return o.check && missed ? 1 : 0;
}

async function cleanup(): Promise<void> {
  for (const c of cleanups.reverse()) {
    try {
      await c();
    } catch (e) {
      console.error(`bench: cleanup failed: ${e instanceof Error ? e.message : e}`);
    }
  }
  cleanups.length = 0;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(`bench: ${sig}, stopping…`);
    void cleanup().then(() => process.exit(130));
  });
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (e) => {
    console.error(`bench: ${e instanceof Error ? e.stack ?? e.message : e}`);
    await cleanup();
    process.exit(2);
  });
