// The change signal (lua/graylane/signal.lua): every way the state version
// moves — an admin write, a passive ejection, an active health check — is in
// effect for the very next request in every worker; across `nginx -s reload` a
// worker still draining sees a change made by the new workers; and with the
// signal off (init option change_signal = false) every worker still does.
// One gateway of 4 workers for the file; the last test turns the signal off.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import fs from "node:fs/promises";
import path from "node:path";
import { gateway, backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import { request, eventually, sleep } from "../support/http";
import { freePort } from "../../scripts/lib/net";
import type { BackendsHandle } from "../../scripts/lib/backends";

const WORKERS = 4;
let gw: TestGateway;
let be: BackendsHandle;
let A: string, B: string;

withGateway(2, { workers: WORKERS, debugHeaders: true }, (g, b) => {
  gw = g;
  be = b;
  [A, B] = be.addrs;
});

/** `n` requests, each on a fresh connection (the kernel spreads them over the
 * workers): every one must be answered by `want`; returns the workers seen. */
async function allRouteTo(host: string, want: string, n: number, what: string): Promise<Set<number>> {
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const r = await request(gw.proxyUrl + "/", { host });
    assert.equal(r.status, 200, `${what}: ${r.text}`);
    assert.equal(r.json.addr, want, `${what}: request ${i}, worker ${r.headers["x-graylane-worker"]} used the old state`);
    seen.add(Number(r.headers["x-graylane-worker"]));
  }
  return seen;
}

/** Admin writes alternate the service's node; `rounds` writes, each checked
 * on the next `n` requests; every worker must have answered some of them. */
async function propagation(host: string, rounds: number, n: number): Promise<void> {
  const pids = await gw.workerPids();
  assert.equal(pids.length, WORKERS);
  const seen = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const want = [A, B][round % 2];
    await gw.put(host, { nodes: [{ addr: want }] });
    for (const p of await allRouteTo(host, want, n, `round ${round}`)) seen.add(p);
  }
  assert.deepEqual([...seen].sort(), [...pids].sort(), "every worker answered");
}

/** One raw HTTP/1.1 connection to the proxy, reading whole responses. */
function connection() {
  const { hostname, port } = new URL(gw.proxyUrl);
  const sock = net.connect(Number(port), hostname);
  sock.setEncoding("latin1");
  let buf = "";
  let wake: (() => void) | null = null;
  sock.on("data", (d: string) => {
    buf += d;
    wake?.();
  });
  const closed = new Promise<void>((resolve) => sock.once("close", () => resolve()));
  sock.on("close", () => wake?.());
  const response = async (): Promise<{ status: number; headers: Record<string, string>; json: { addr: string } }> => {
    for (;;) {
      const end = buf.indexOf("\r\n\r\n");
      if (end >= 0) {
        const lines = buf.slice(0, end).split("\r\n");
        const headers: Record<string, string> = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(":");
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        const len = Number(headers["content-length"]);
        let body: string | null = null;
        let rest = "";
        if (Number.isFinite(len) && buf.length >= end + 4 + len) {
          body = buf.slice(end + 4, end + 4 + len);
          rest = buf.slice(end + 4 + len);
        } else if (headers["transfer-encoding"] === "chunked" && buf.indexOf("\r\n0\r\n\r\n", end) >= 0) {
          const stop = buf.indexOf("\r\n0\r\n\r\n", end);
          body = "";
          let at = end + 4;
          while (at < stop) {
            const nl = buf.indexOf("\r\n", at);
            const size = parseInt(buf.slice(at, nl), 16);
            body += buf.slice(nl + 2, nl + 2 + size);
            at = nl + 2 + size + 2;
          }
          rest = buf.slice(stop + 7);
        }
        if (body !== null) {
          buf = rest;
          return { status: Number(lines[0].split(" ")[1]), headers, json: JSON.parse(body) };
        }
      }
      if (sock.destroyed) throw new Error(`connection closed; received: ${buf}`);
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  };
  return { send: (s: string) => sock.write(s), response, close: async () => { sock.destroy(); await closed; } };
}

/** A request held on a worker of the current generation across a reload:
 * the worker serves one request with the old state on a keep-alive
 * connection, receives half of a second request's body, `between()` reloads
 * and writes, then the body completes — and nginx runs the balancer only now
 * (the body is read first), in the old worker that is draining. */
async function heldAcrossReload(host: string, oldAddr: string, between: () => Promise<void>) {
  const c = connection();
  c.send(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
  const first = await c.response();
  assert.equal(first.json.addr, oldAddr);
  const worker = Number(first.headers["x-graylane-worker"]);
  c.send(`POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 10\r\n\r\n12345`);
  await sleep(100);
  const before = await gw.workerPids();
  await between();
  const after = await gw.workerPids();
  assert.ok(before.includes(worker) && !after.includes(worker), "the connection's worker is draining");
  c.send("67890");
  const second = await c.response();
  await c.close();
  assert.equal(Number(second.headers["x-graylane-worker"]), worker, "served by the draining worker");
  return second;
}

test("an admin write is in effect for the next request on each of 4 workers", async () => {
  await propagation("sig", 6, 60);
  const log = await fs.readFile(gw.errorLog, "utf8");
  assert.ok(!/no change signal/.test(log), "the change signal is in use");
});

test("a passive ejection (health.lua) is in effect for the next request on every worker", async () => {
  const dead = `127.0.0.1:${await freePort()}`; // nothing listens there
  await gw.put("pe", { nodes: [{ addr: dead }, { addr: A }], health: { max_fails: 1, fail_timeout: 60 } });
  // each worker's round robin would try the dead node within its first two
  // requests: after the first failure ejects it, no worker may try it again
  await allRouteTo("pe", A, 80, "passive ejection");
  const failures = async () =>
    (await gw.admin("GET", "/v1/stats")).json.services.find((s: { name: string }) => s.name === "pe").nodes[0].connect_failures;
  assert.ok(await eventually(async () => (await failures()) >= 1, 3000), "the dead node was tried");
  await sleep(600); // stats are flushed every 0.25 s
  assert.equal(await failures(), 1, "tried once, by one worker; the others saw the ejection");
});

test("an active health check's verdict (healthcheck.lua) is in effect for the next request on every worker", async () => {
  const check = { path: "/healthz", interval: 0.5, timeout: 0.3, healthy: 1, unhealthy: 1 };
  await gw.put("ah", { nodes: [{ addr: A }, { addr: B }], health: { max_fails: 0, check } });
  const health = async (addr: string) =>
    (await gw.admin("GET", "/v1/upstreams/ah")).json.nodes.find((n: { addr: string }) => n.addr === addr)?.health;
  assert.ok(await eventually(async () => (await health(A)) === "healthy" && (await health(B)) === "healthy", 5000));
  await be.control(be.nodes[0].port, "status?code=500");
  try {
    assert.ok(await eventually(async () => (await health(A)) === "unhealthy", 5000, 10), "A marked unhealthy");
    await allRouteTo("ah", B, 60, "A unhealthy");
  } finally {
    await be.control(be.nodes[0].port, "status?code=0");
  }
  assert.ok(await eventually(async () => (await health(A)) === "healthy", 5000, 10), "A healthy again");
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) seen.add((await request(gw.proxyUrl + "/", { host: "ah" })).json.addr);
  assert.deepEqual([...seen].sort(), [A, B].sort(), "A serves again");
});

test("across nginx -s reload, a draining old worker sees a change written by a new worker", async () => {
  await gw.put("rl", { nodes: [{ addr: A }] });
  const second = await heldAcrossReload("rl", A, async () => {
    await gw.reload();
    await gw.put("rl", { nodes: [{ addr: B }] }); // answered by a new worker
  });
  assert.equal(second.status, 200);
  assert.equal(second.json.addr, B, "the old worker used the state written after the reload");
  await propagation("rl", 2, 40);
});

test("with change_signal = false every worker reads the dict, and old workers reading the signal still see their writes", async () => {
  await gw.put("off", { nodes: [{ addr: A }] });
  const conf = path.join(gw.prefix, "nginx.conf");
  const text = await fs.readFile(conf, "utf8");
  const off = text.replace(/allow_link_local = (true|false) \}/, "allow_link_local = $1, change_signal = false }");
  assert.notEqual(off, text, "init options found in nginx.conf");
  await fs.writeFile(conf, off);
  const second = await heldAcrossReload("off", A, async () => {
    await gw.reload();
    await gw.put("off", { nodes: [{ addr: B }] }); // a new worker, not reading the signal, writes
  });
  assert.equal(second.json.addr, B, "the old worker (reading the signal) saw the new worker's write");
  const log = await fs.readFile(gw.errorLog, "utf8");
  assert.ok(/change_signal = false: every request reads the state version/.test(log), "the fallback is logged");
  await propagation("off", 4, 60);
});
