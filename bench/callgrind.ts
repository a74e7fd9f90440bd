// `npx tsx bench/callgrind.ts`: instructions per proxied request, counted by
// valgrind's callgrind in the one worker of each proxy, for the same variants
// as bench/gateway.ts plus "lua-floor" (lua-minimal + an empty log_by_lua) and "lua-stats"
// (lua-minimal keeping the picked peer and start time per request, counting status class and
// latency per peer in its log phase: the least a balancer with per-node stats does).
// Instruction counts repeat to within ~1% from run to run, where CPU time on
// the shared cores moves by 10%: use this to compare variants of the hot path.
//
// "gateway-list" (issue 16): the gateway variant's rule plus a request-attribute rule with a
// 1,000-value list (header X-User-Id), every request carrying an X-User-Id that is not listed
// (a hash lookup that misses, then the rest of the rule, as for the gateway variant).
// "gateway-header": the gateway variant with every request carrying the rule's header
// with another value (X-Gray: 0), the header-scan path of a present header;
// "gateway-cookie" the same with the rule's cookie (Cookie: gray=0).
// "gateway-browser": the gateway variant with the header lines a browser sends (10 lines besides
// Host, a Cookie line without the rule's cookie): the header scan walks all of them.
//
//   npx tsx bench/callgrind.ts [--variants static,lua-minimal,lua-floor,lua-stats,gateway,gateway-nogray,gateway-header,gateway-cookie,gateway-browser,gateway-list,gateway-iphash]
//     [--requests 20000] [--warmup 6000] [--idle-ms 5000]  (approximate: wrk runs for requests/2000 s)
// "without timers" subtracts what the worker executes idle (stats flush and health
// check timers, per second) over the same wall time, measured just before the traffic.
// Needs valgrind (apt-get install -y valgrind) and wrk.
import { randomBytes } from "node:crypto";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { findNginx, startGateway } from "../scripts/lib/gateway";
import { freePort, waitForTcp } from "../scripts/lib/net";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const WEIGHTS = [5, 3, 2];
const ALL = ["static", "lua-minimal", "lua-floor", "lua-stats", "gateway", "gateway-nogray", "gateway-header", "gateway-cookie", "gateway-browser", "gateway-list", "gateway-iphash"];
const BROWSER_HEADERS = [
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "Accept-Language: en-US,en;q=0.5",
  "Accept-Encoding: gzip, deflate, br",
  "Referer: http://bench/start",
  "Cookie: session=4f9c2a7e1b; theme=dark; consent=1",
  "Upgrade-Insecure-Requests: 1",
  "Sec-Fetch-Dest: document",
  "Sec-Fetch-Mode: navigate",
  "Sec-Fetch-Site: same-origin",
];

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(`--${n}`);
  return i >= 0 ? args[i + 1] : d;
};
const variants = flag("variants", ALL.join(",")).split(",");
const REQUESTS = Number(flag("requests", "20000"));
const WARMUP = Number(flag("warmup", "6000"));
const IDLE_MS = Number(flag("idle-ms", "5000"));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const render = (t: string, v: Record<string, string>) =>
  t.replace(/\{\{([A-Z_]+)\}\}/g, (_, k: string) => {
    if (!(k in v)) throw new Error(`template variable ${k} not provided`);
    return v[k];
  });
const cleanups: Array<() => Promise<void> | void> = [];

function run(cmd: string, a: string[]): string {
  const r = spawnSync(cmd, a, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${a.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function mainDirectives(lua: boolean): string {
  const n = findNginx();
  const lines: string[] = [];
  if (lua && n.loadModules) for (const m of n.modules) lines.push(`load_module ${m};`);
  if (process.getuid?.() === 0) lines.push("user root root;");
  return lines.join("\n");
}

async function prefixDir(tag: string): Promise<string> {
  const p = await fsp.mkdtemp(path.join(os.tmpdir(), `graylane-cg-${tag}-`));
  for (const d of ["logs", "tmp/client_body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi"]) await fsp.mkdir(path.join(p, d), { recursive: true });
  cleanups.push(() => fsp.rm(p, { recursive: true, force: true }));
  return p;
}

/** nginx with a rendered config, optionally under callgrind (instrumentation off until measured). */
async function nginx(prefix: string, conf: string, port: number, callgrind: boolean): Promise<ChildProcess> {
  const bin = findNginx().bin;
  const cmd = callgrind ? "valgrind" : bin;
  const a = callgrind
    ? ["--tool=callgrind", "--trace-children=yes", "--smc-check=all-non-file", "--instr-atstart=no",
       `--callgrind-out-file=${prefix}/callgrind.%p`, bin, "-p", prefix + "/", "-c", conf]
    : ["-p", prefix + "/", "-c", conf];
  const child = spawn(cmd, a, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr?.on("data", (d) => (err += d));
  cleanups.push(async () => {
    child.kill("SIGQUIT");
    await Promise.race([new Promise((r) => child.once("exit", r)), sleep(20_000)]);
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  await waitForTcp("127.0.0.1", port, callgrind ? 60_000 : 10_000).catch((e) => {
    throw new Error(`${e}\n${err}`);
  });
  return child;
}

async function workerOf(master: number): Promise<number> {
  // under valgrind the master is valgrind's process; its children are the workers
  // (the worker may start well after the master listens on a busy machine)
  for (let i = 0; ; i++) {
    const txt = fs.readFileSync(`/proc/${master}/task/${master}/children`, "utf8").trim();
    const kids = txt ? txt.split(/\s+/).map(Number) : [];
    if (kids.length === 1) return kids[0];
    if (i === 600) throw new Error(`expected 1 worker, found ${kids.join(",") || "none"}`);
    await sleep(100);
  }
}

function wrkCount(url: string, host: string, n: number, headers: string[] = []): number {
  // a fixed number of requests: wrk has no count option, so run until done by time, then read the count
  const out = run("wrk", ["-t1", "-c4", `-d${Math.max(3, Math.ceil(n / 2000))}s`, "-H", `Host: ${host}`, ...headers.flatMap((h) => ["-H", h]), url]);
  const m = /(\d+) requests in /.exec(out);
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (bad) throw new Error(`non-2xx responses from ${url}:\n${out}`);
  return Number(m![1]);
}

async function measure(name: string, url: string, host: string, masterPid: number, prefix: string, headers: string[] = []): Promise<{ name: string; requests: number; ir: number; bg: number }> {
  const worker = await workerOf(masterPid);
  wrkCount(url, host, WARMUP, headers); // JIT warm-up, keepalive connections opened
  // callgrind_control does not always reach a busy worker: check that it took
  const instrument = async (on: boolean) => {
    for (let i = 0; ; i++) {
      run("callgrind_control", ["-i", on ? "on" : "off", String(worker)]);
      await sleep(200);
      if (/switched off/.test(run("callgrind_control", ["-s", String(worker)])) !== on) return;
      if (i === 10) throw new Error(`${name}: cannot switch instrumentation ${on ? "on" : "off"}`);
    }
  };
  // Dumps the counts since the last dump and returns their total. The dump is
  // written asynchronously by the worker (slowly on a busy machine), and
  // callgrind_control does not always reach it: ask again until a new file
  // with a totals line arrives.
  const seen = new Set<string>();
  const dump = async (tag: string): Promise<number> => {
    const fresh = async () => {
      for (const f of await fsp.readdir(prefix)) {
        if (seen.has(f) || !f.startsWith(`callgrind.${worker}.`)) continue;
        const m = /^totals: (\d+)/m.exec(await fsp.readFile(path.join(prefix, f), "utf8"));
        if (m) return { f, ir: Number(m[1]) };
      }
      return null;
    };
    for (let attempt = 0; ; attempt++) {
      run("callgrind_control", ["-d", String(worker)]);
      for (let i = 0; i < 100; i++) {
        const got = await fresh();
        if (got) {
          seen.add(got.f);
          if (process.env.CG_KEEP) await fsp.copyFile(path.join(prefix, got.f), path.join(process.env.CG_KEEP, `${name}.${tag}.${got.f}`));
          return got.ir;
        }
        await sleep(100);
      }
      if (attempt === 5) throw new Error(`${name}: no callgrind dump from worker ${worker}`);
    }
  };
  for (const f of await fsp.readdir(prefix)) seen.add(f);
  // Background work (stats flush and health check timers) runs per second, not
  // per request: measured on its own, idle, so it can be taken out of the
  // traffic window (whose request count depends on how fast valgrind runs).
  await instrument(true);
  await dump("start");
  let t0 = Date.now();
  await sleep(IDLE_MS);
  const idleIr = await dump("idle");
  const idleMs = Date.now() - t0;
  t0 = Date.now();
  const requests = wrkCount(url, host, REQUESTS, headers);
  const trafficMs = Date.now() - t0;
  await instrument(false);
  const ir = await dump("traffic");
  return { name, requests, ir, bg: (idleIr / idleMs) * trafficMs };
}

async function main() {
  // backend nodes: one plain nginx, not under valgrind
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const addrs = ports.map((p) => `127.0.0.1:${p}`);
  const bePrefix = await prefixDir("be");
  const servers = ports.map((p) => `    server {\n        listen 127.0.0.1:${p};\n        location / { return 200 "node-${p}\\n"; }\n    }`).join("\n");
  const beConf = render(await fsp.readFile(path.join(BENCH_DIR, "backend-nginx.conf.tmpl"), "utf8"), { MAIN_DIRECTIVES: mainDirectives(false), PREFIX: bePrefix, WORKERS: "1", SERVERS: servers })
    .replace(/worker_rlimit_nofile \d+;/, "");
  await fsp.writeFile(path.join(bePrefix, "nginx.conf"), beConf);
  await nginx(bePrefix, path.join(bePrefix, "nginx.conf"), ports[3], false);
  const stable = addrs.slice(0, 3);
  const results = [];

  for (const v of variants) {
    const port = await freePort();
    const prefix = await prefixDir(v);
    let conf: string;
    let host = "bench";
    let headers: string[] = [];
    if (v === "static" || v === "lua-minimal" || v === "lua-floor" || v === "lua-stats") {
      const lua = v !== "static";
      const peers = stable.map((a) => `{ "127.0.0.1", ${a.split(":")[1]} }`).join(", ");
      conf = render(await fsp.readFile(path.join(BENCH_DIR, "static-nginx.conf.tmpl"), "utf8"), {
        MAIN_DIRECTIVES: mainDirectives(lua),
        PREFIX: prefix,
        WORKERS: "1",
        LISTEN: `127.0.0.1:${port}`,
        UPSTREAM_SERVERS: lua
          ? `        server 0.0.0.1;\n        balancer_by_lua_block {\n            require("bench_minimal").${v === "lua-stats" ? "balance_stats" : "balance"}()\n        }`
          : stable.map((a, i) => `        server ${a} weight=${WEIGHTS[i]} max_fails=3 fail_timeout=10s;`).join("\n"),
        HTTP_EXTRA: lua ? `    lua_package_path "${path.join(BENCH_DIR, "lua")}/?.lua;;";\n    init_by_lua_block {\n        require("bench_minimal").init({ ${peers} })\n    }\n` : "",
        LOCATION_EXTRA: v === "lua-floor" ? "            log_by_lua_block { }" : v === "lua-stats" ? '            log_by_lua_block { require("bench_minimal").log() }' : "",
      }).replace(/worker_rlimit_nofile \d+;/, "");
    } else {
      // render the gateway's own config (one worker), load the services into its state file, then run that config under valgrind
      const stateDir = path.join(prefix, "state");
      const token = "cg-" + randomBytes(16).toString("hex");
      const gw = await startGateway({ token, stateDir, prefix, workers: 1, listen: `127.0.0.1:${port}`, errorLogLevel: "warn" });
      const put = async (name: string, body: unknown) => {
        const r = await fetch(`${gw.adminUrl}/v1/upstreams/${name}`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
        if (r.status >= 300) throw new Error(`PUT ${name}: ${r.status} ${await r.text()}`);
      };
      await put("bench", {
        nodes: [...stable.map((addr, i) => ({ addr, weight: WEIGHTS[i] })), { addr: addrs[3], state: "gray" }],
        gray: { header: { name: "X-Gray", value: "1" }, cookie: { name: "gray", value: "1" }, cidrs: ["10.0.0.0/8", "192.168.0.0/16"], percent: 0 },
      });
      await put("bench-nogray", { nodes: stable.map((addr, i) => ({ addr, weight: WEIGHTS[i] })) });
      if (v === "gateway-iphash") await put("bench-iphash", { algorithm: "ip_hash", nodes: stable.map((addr, i) => ({ addr, weight: WEIGHTS[i] })) });
      // only where measured: a gateway from before issue 16 refuses gray.match
      if (v === "gateway-list") await put("bench-list", {
        nodes: [...stable.map((addr, i) => ({ addr, weight: WEIGHTS[i] })), { addr: addrs[3], state: "gray" }],
        gray: {
          header: { name: "X-Gray", value: "1" }, cookie: { name: "gray", value: "1" }, cidrs: ["10.0.0.0/8", "192.168.0.0/16"], percent: 0,
          match: [{ source: "header", name: "X-User-Id", values: Array.from({ length: 1000 }, (_, i) => `user-${i}`) }],
        },
      });
      await gw.stop();
      if (v === "gateway-nogray") host = "bench-nogray";
      if (v === "gateway-iphash") host = "bench-iphash";
      if (v === "gateway-header") headers = ["X-Gray: 0"];
      if (v === "gateway-cookie") headers = ["Cookie: gray=0"];
      if (v === "gateway-browser") headers = BROWSER_HEADERS;
      if (v === "gateway-list") {
        host = "bench-list";
        headers = ["X-User-Id: user-100000"];
      }
      // the worker writes its callgrind dump into the prefix: run it as the static variants do
      conf = (await fsp.readFile(path.join(prefix, "nginx.conf"), "utf8")).replace(/^user .*;$/m, mainDirectives(false));
    }
    const confFile = path.join(prefix, "nginx.conf");
    await fsp.writeFile(confFile, conf);
    const child = await nginx(prefix, confFile, port, true);
    const url = `http://127.0.0.1:${port}/`;
    const r = await measure(v, url, host, child.pid!, prefix, headers).catch(async (e) => {
      throw new Error(`${v}: ${e}\n${await fsp.readFile(path.join(prefix, "logs/error.log"), "utf8").catch(() => "")}`);
    });
    results.push(r);
    await cleanups.pop()!(); // stop this nginx before the next one takes a port
    console.error(`callgrind: ${v}: ${r.requests} requests, ${(r.ir / r.requests).toFixed(0)} instructions/request, ${((r.ir - r.bg) / r.requests).toFixed(0)} without the idle timer work (${(r.bg / r.requests).toFixed(0)})`);
  }
  const per = (r: { ir: number; requests: number }) => r.ir / r.requests;
  const net = (r: { ir: number; bg: number; requests: number }) => (r.ir - r.bg) / r.requests;
  const base = results.find((r) => r.name === "static");
  console.log("| variant | requests | instructions/request | without timers | ×static (without timers) |\n| --- | --- | --- | --- | --- |");
  for (const r of results) {
    console.log(`| ${r.name} | ${r.requests} | ${(per(r) / 1000).toFixed(1)}k | ${(net(r) / 1000).toFixed(1)}k | ${base ? (net(r) / net(base)).toFixed(3) : "—"} |`);
  }
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? e.stack : e);
    process.exitCode = 2;
  })
  .finally(async () => {
    for (const c of cleanups.reverse()) await c();
  });
