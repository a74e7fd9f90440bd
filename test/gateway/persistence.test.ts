// Persistence and propagation: reload, stop/start, corrupt snapshot, full
// shared dict, failed snapshot write, every worker seeing a change at once.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { gateway, backends, tempDir, type TestGateway } from "../support/gateway";
import { request, eventually } from "../support/http";
import type { BackendsHandle } from "../../scripts/lib/backends";

let be: BackendsHandle;
let A: string, B: string;
const running: TestGateway[] = [];

async function start(opts: Parameters<typeof gateway>[0] = {}): Promise<TestGateway> {
  const gw = await gateway(opts);
  running.push(gw);
  return gw;
}
async function stop(gw: TestGateway): Promise<void> {
  running.splice(running.indexOf(gw), 1);
  await gw.stop();
}

before(async () => {
  be = await backends(2);
  [A, B] = be.addrs;
});
after(async () => {
  for (const gw of [...running]) await stop(gw);
  await be?.stop();
});

test("state survives nginx -s reload and a stop/start, with versions and gateway id", async () => {
  const stateDir = await tempDir("state");
  let gw = await start({ stateDir, workers: 2 });
  await gw.put("keep", { nodes: [{ addr: A, weight: 3 }, { addr: B, state: "gray" }], revision: 9, gray: { header: { name: "X-Gray", value: "1" }, cidrs: ["10.0.0.0/8"], percent: 5 } });
  await gw.admin("PATCH", `/v1/upstreams/keep/nodes/${A}`, { weight: 4 });
  const before = (await gw.admin("GET", "/v1/upstreams/keep")).json;
  const id = (await gw.admin("GET", "/v1/status")).json.gateway_id;
  assert.equal(before.version, 2);

  const oldWorkers = await gw.workerPids();
  await gw.reload();
  const newWorkers = await gw.workerPids();
  assert.equal(newWorkers.length, 2);
  assert.ok(newWorkers.every((p) => !oldWorkers.includes(p)), "new workers after reload");
  assert.deepEqual((await gw.admin("GET", "/v1/upstreams/keep")).json, before);
  assert.equal((await gw.proxy("/", { host: "keep" })).json.addr, A);

  await stop(gw);
  gw = await start({ stateDir, workers: 2 });
  assert.deepEqual((await gw.admin("GET", "/v1/upstreams/keep")).json, before);
  const st = (await gw.admin("GET", "/v1/status")).json;
  assert.equal(st.gateway_id, id, "gateway id is stable per state dir");
  assert.equal(st.last_change.service, "keep");
  assert.equal((await gw.proxy("/", { host: "keep" })).json.addr, A);
  assert.equal((await gw.proxy("/", { host: "keep", headers: { "x-gray": "1" } })).json.addr, B);
  const next = await gw.admin("PATCH", `/v1/upstreams/keep/nodes/${A}`, { weight: 5 });
  assert.equal(next.json.version, 3, "versions continue after a restart");
  await stop(gw);
});

test("a corrupt snapshot is moved aside (never overwritten) and the gateway starts empty", async () => {
  // corrupt as a whole (a bad service alone is quarantined: contract.test.ts)
  const stateDir = await tempDir("state");
  const file = path.join(stateDir, "state.json");
  await fs.writeFile(file, '{"format":1,"services":{"name":"x","nodes":[{"addr":"garbage"}]}}');
  const prefix = await tempDir("prefix");
  let gw = await start({ stateDir, prefix, workers: 1 });
  assert.deepEqual((await gw.admin("GET", "/v1/upstreams")).json.upstreams, []);
  const log = await fs.readFile(gw.errorLog, "utf8");
  assert.match(log, /\[error\].*state file .*state\.json is corrupt .*moved it to .*state\.json\.corrupt-/);
  let aside = (await fs.readdir(stateDir)).filter((f) => f.startsWith("state.json.corrupt-"));
  assert.equal(aside.length, 1);
  assert.equal(await fs.readFile(path.join(stateDir, aside[0]), "utf8"), '{"format":1,"services":{"name":"x","nodes":[{"addr":"garbage"}]}}');
  // the next change writes a fresh snapshot; the corrupt copy stays as it was
  await gw.put("fresh", { nodes: [{ addr: A }] });
  assert.equal(JSON.parse(await fs.readFile(file, "utf8")).services[0].name, "fresh");
  await stop(gw);

  // a second corrupt file (not even JSON) in the same second gets its own name
  await fs.writeFile(file, "not json {");
  gw = await start({ stateDir, workers: 1 });
  aside = (await fs.readdir(stateDir)).filter((f) => f.startsWith("state.json.corrupt-")).sort();
  assert.equal(aside.length, 2);
  const contents = await Promise.all(aside.map((f) => fs.readFile(path.join(stateDir, f), "utf8")));
  assert.ok(contents.includes("not json {"));
  assert.deepEqual((await gw.admin("GET", "/v1/upstreams")).json.upstreams, []);
  await stop(gw);
  await fs.rm(prefix, { recursive: true, force: true });
});

test("a full shared dict is an error to the caller (507 shdict_full) and nothing changes", async () => {
  const stateDir = await tempDir("state");
  const gw = await start({ stateDir, workers: 1, stateDictSize: "40k" });
  await gw.put("small", { nodes: [{ addr: A }] });
  const file = path.join(stateDir, "state.json");
  const snapBefore = await fs.readFile(file, "utf8");
  let full: Awaited<ReturnType<typeof gw.admin>> | undefined;
  const created: string[] = [];
  for (let i = 0; i < 40 && !full; i++) {
    const nodes = Array.from({ length: 40 }, (_, j) => ({ addr: `10.${i}.${j}.1:8080` }));
    const r = await gw.admin("PUT", `/v1/upstreams/big${i}`, { nodes });
    if (r.status === 201) created.push(`big${i}`);
    else full = r;
  }
  assert.ok(full, "the dict filled up");
  assert.equal(full.status, 507, full.text);
  assert.equal(full.json.error.code, "shdict_full");
  // the operator reads which dict is full and what to do about it
  assert.match(await fs.readFile(gw.errorLog, "utf8"),
    /\[error\].*shared dict write failed: dict=graylane_state op=safe_set key=[dv]:\S+ err=no memory; it is full: raise lua_shared_dict graylane_state/);
  const names = (await gw.admin("GET", "/v1/upstreams")).json.upstreams.map((u: { name: string }) => u.name).sort();
  assert.deepEqual(names, ["small", ...created].sort(), "the failed service is not there, the others are intact");
  const snap = JSON.parse(await fs.readFile(file, "utf8"));
  assert.deepEqual(snap.services.map((s: { name: string }) => s.name).sort(), names, "the snapshot matches the dict");
  assert.notEqual(snapBefore, "");
  // an update of an existing service that does not fit is refused and the old state stays
  const bigger = Array.from({ length: 200 }, (_, j) => ({ addr: `10.99.${j}.1:8080` }));
  const upd = await gw.admin("PUT", "/v1/upstreams/small", { nodes: [{ addr: A }, ...bigger] });
  assert.equal(upd.status, 507);
  const small = (await gw.admin("GET", "/v1/upstreams/small")).json;
  assert.equal(small.version, 1);
  assert.deepEqual(small.nodes.map((n: { addr: string }) => n.addr), [A]);
  assert.equal((await gw.proxy("/", { host: "small" })).json.addr, A);
  // deleting works on a full dict and frees room again
  for (const n of created) assert.equal((await gw.admin("DELETE", `/v1/upstreams/${n}`)).status, 200);
  assert.deepEqual(JSON.parse(await fs.readFile(file, "utf8")).services.map((s: { name: string }) => s.name), ["small"]);
  assert.equal((await gw.admin("PATCH", `/v1/upstreams/small/nodes/${A}`, { weight: 2 })).status, 200);
  await stop(gw);
});

test("a full graylane_stats dict evicts old entries and says which dict to raise", async () => {
  // 300 health check records (nothing listens on 127.0.0.x:1 and :2, so every probe
  // fails at once) do not fit in a 16k dict: the writes evict older entries (forcible)
  const gw = await start({ stateDir: await tempDir("state"), workers: 1, statsDictSize: "16k" });
  const nodes = Array.from({ length: 300 }, (_, i) => ({ addr: `127.0.0.${2 + (i % 200)}:${1 + Math.floor(i / 200)}` }));
  await gw.put("many", { nodes, health: { check: { interval: 0.5, timeout: 0.2, unhealthy: 1 } } });
  const evicted = /\[warn\].*shared dict full, older entries evicted: dict=graylane_stats op=set key=hc:many\|\S+; raise lua_shared_dict graylane_stats/;
  assert.ok(await eventually(async () => evicted.test(await fs.readFile(gw.errorLog, "utf8")), 15_000),
    "the eviction is logged with the dict to raise");
  await stop(gw);
});

test("a snapshot write syncs the file, renames it, then syncs the state directory (the open flags of this platform)", async (t) => {
  // traced in the real worker: a wrong O_DIRECTORY (65536 on arm64 is O_DIRECT) made
  // the directory open fail there and the directory fsync was silently skipped
  if (spawnSync("strace", ["-V"]).status !== 0) return t.skip("needs strace (apt-get install -y strace)");
  const stateDir = await tempDir("state");
  const gw = await start({ stateDir, workers: 1 });
  const [pid] = await gw.workerPids();
  const trace = spawn("strace", ["-f", "-e", "trace=%file,fsync", "-p", String(pid)], { stdio: ["ignore", "ignore", "pipe"] });
  let out = "";
  trace.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
  try {
    await eventually(async () => /attached|ptrace/.test(out), 5000);
    if (/Operation not permitted/.test(out)) return t.skip(`strace cannot attach here: ${out.trim()}`);
    assert.match(out, /attached/);
    await gw.put("synced", { nodes: [{ addr: A }] });
  } finally {
    trace.kill("SIGINT");
    await new Promise((r) => trace.once("exit", r));
    await stop(gw);
  }
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const file = path.join(stateDir, "state.json");
  const tmp = new RegExp(`open(?:at)?\\((?:AT_FDCWD, )?"${esc(file)}\\.tmp-\\d+", O_WRONLY\\|O_CREAT\\|O_TRUNC[^)]*\\) = (\\d+)`).exec(out);
  assert.ok(tmp, `the snapshot is written to a temporary file:\n${out}`);
  const rest = out.slice(tmp.index);
  const fileSync = rest.search(new RegExp(`fsync\\(${tmp[1]}\\) += 0`));
  const rename = rest.search(new RegExp(`rename(?:at2?)?\\((?:AT_FDCWD, )?"${esc(file)}\\.tmp-\\d+", (?:AT_FDCWD, )?"${esc(file)}"[^)]*\\) += 0`));
  const dir = new RegExp(`open(?:at)?\\((?:AT_FDCWD, )?"${esc(stateDir)}", O_RDONLY\\|O_DIRECTORY[^)]*\\) = (\\d+)`).exec(rest);
  assert.ok(fileSync > 0 && rename > fileSync, `the file is synced before the rename:\n${out}`);
  assert.ok(dir && dir.index > rename, `then the directory is opened as a directory:\n${out}`);
  assert.match(rest.slice(dir.index), new RegExp(`fsync\\(${dir[1]}\\) += 0`), "and synced");
});

test("a snapshot that cannot be written fails the call (500 persist_failed) and changes nothing", async () => {
  const stateDir = await tempDir("state");
  const gw = await start({ stateDir, workers: 1 });
  await gw.put("p", { nodes: [{ addr: A }] });
  const file = path.join(stateDir, "state.json");
  await fs.rm(file);
  await fs.mkdir(file); // rename() onto a directory fails, even for root
  try {
    const r = await gw.admin("PUT", "/v1/upstreams/p", { nodes: [{ addr: B }] });
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, "persist_failed");
    const cur = (await gw.admin("GET", "/v1/upstreams/p")).json;
    assert.equal(cur.version, 1);
    assert.equal(cur.nodes[0].addr, A);
    assert.equal((await gw.proxy("/", { host: "p" })).json.addr, A);
  } finally {
    await fs.rmdir(file);
  }
  assert.equal((await gw.admin("PUT", "/v1/upstreams/p", { nodes: [{ addr: B }] })).status, 200);
  await stop(gw);
});

test("a change is in effect on the next request in every worker (2 workers, no reload)", async () => {
  const gw = await start({ workers: 2, debugHeaders: true });
  const pids = new Set(await gw.workerPids());
  assert.equal(pids.size, 2);
  const addrs = [A, B];
  for (let round = 0; round < 6; round++) {
    const want = addrs[round % 2];
    await gw.put("prop", { nodes: [{ addr: want }] });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      // a fresh connection each time, so the kernel spreads them over the workers
      const r = await request(gw.proxyUrl + "/", { host: "prop" });
      assert.equal(r.status, 200);
      assert.equal(r.json.addr, want, `round ${round}: worker ${r.headers["x-graylane-worker"]} served the old node`);
      seen.add(String(r.headers["x-graylane-worker"]));
    }
    assert.deepEqual([...seen].map(Number).sort(), [...pids].sort(), "both workers answered");
  }
  await stop(gw);
});

test("requests in flight on old workers during a reload are still reported", async () => {
  const gw = await start({ workers: 2 });
  await gw.put("rl", { nodes: [{ addr: A }] });
  const slow = gw.proxy("/slow?ms=3000", { host: "rl" });
  const inflight = async () => (await gw.admin("GET", "/v1/upstreams/rl")).json.nodes[0].in_flight;
  assert.ok(await eventually(async () => (await inflight()) === 1, 2000), "in flight before the reload");
  await gw.reload();
  assert.equal(await inflight(), 1, "still reported while the old worker drains");
  // new workers reuse the old workers' ids: their counts must add up, not overwrite
  const slow2 = gw.proxy("/slow?ms=1500", { host: "rl" });
  assert.ok(await eventually(async () => (await inflight()) === 2, 1500), "old and new workers' requests both counted");
  const done = await slow;
  assert.equal(done.status, 200);
  assert.equal((await slow2).status, 200);
  assert.ok(await eventually(async () => (await inflight()) === 0, 3000), "back to 0");
  await stop(gw);
});

test("started as root, nginx workers run unprivileged and can still write the state dir and buffer bodies", { skip: process.getuid?.() !== 0 && "needs root" }, async () => {
  const stateDir = await tempDir("state");
  const gw = await start({ stateDir, workers: 2 });
  const uidOf = async (pid: number) => Number(/^Uid:\s+(\d+)/m.exec(await fs.readFile(`/proc/${pid}/status`, "utf8"))![1]);
  const nobody = Number((await fs.readFile("/etc/passwd", "utf8")).split("\n").find((l) => l.startsWith("nobody:"))!.split(":")[2]);
  const workers = await gw.workerPids();
  assert.equal(workers.length, 2);
  for (const pid of workers) assert.equal(await uidOf(pid), nobody, `worker ${pid} runs as nobody`);
  assert.equal(await uidOf(gw.masterPid), 0, "the master stays root (it binds ports and reads the secrets)");
  // the snapshot is written by a worker
  await gw.put("unpriv", { nodes: [{ addr: A }] });
  assert.equal(JSON.parse(await fs.readFile(path.join(stateDir, "state.json"), "utf8")).services[0].name, "unpriv");
  // a request body bigger than client_body_buffer_size goes through <prefix>/tmp/client_body
  const big = "x".repeat(256 * 1024);
  const r = await gw.proxy("/", { host: "unpriv", method: "POST", body: big });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.addr, A);
  // the secrets stay readable by root only
  assert.equal((await fs.stat(path.join(gw.prefix, "admin.token"))).mode & 0o777, 0o600);
  await stop(gw);
});
