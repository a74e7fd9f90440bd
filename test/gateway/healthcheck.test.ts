// Active health checks: validation, an unhealthy node gets no traffic and comes
// back, probes follow node additions and removals at once, and with 2 workers
// only one of them probes (also after that worker is killed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { backends, tally, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import { sleep, eventually } from "../support/http";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;

const INTERVAL = 0.5;
const CHECK = { path: "/healthz", interval: INTERVAL, timeout: 0.3, healthy: 1, unhealthy: 2 };

withGateway(4, { workers: 2 }, (g, b) => {
  gw = g;
  be = b;
});

type NodeView = { addr: string; health?: string; health_checked_at?: number | null; health_error?: string | null };

async function nodeOf(service: string, addr: string): Promise<NodeView | undefined> {
  const r = await gw.admin("GET", `/v1/upstreams/${service}`);
  return (r.json.nodes as NodeView[]).find((n) => n.addr === addr);
}

async function probes(i: number): Promise<{ probes: number; probeLog: number[] }> {
  return (await be.control(be.nodes[i].port, "stats")) as unknown as { probes: number; probeLog: number[] };
}

test("health.check is validated field by field and stored with defaults", async () => {
  const A = be.addrs[0];
  const bad: [unknown, string, string?][] = [
    [{ check: { interval: 0.1 } }, "health.check.interval"],
    [{ check: { interval: "2" } }, "health.check.interval"],
    [{ check: { timeout: 0 } }, "health.check.timeout"],
    [{ check: { interval: 1, timeout: 2 } }, "health.check.timeout"],
    [{ check: { path: "healthz" } }, "health.check.path"],
    [{ check: { path: "/a b" } }, "health.check.path"],
    [{ check: { healthy: 0 } }, "health.check.healthy"],
    [{ check: { unhealthy: 1.5 } }, "health.check.unhealthy"],
    [{ check: { port: 80 } }, "health.check.port", "unknown_field"],
    [{ check: "on" }, "health.check"],
  ];
  for (const [health, field, code = "invalid_health"] of bad) {
    const r = await gw.admin("PUT", "/v1/upstreams/hcv", { nodes: [{ addr: A }], health });
    assert.equal(r.status, 400, `${JSON.stringify(health)}: ${r.text}`);
    assert.equal(r.json.error.code, code);
    assert.equal(r.json.error.field, field, JSON.stringify(health));
  }
  assert.equal((await gw.admin("GET", "/v1/upstreams/hcv")).status, 404, "nothing stored");

  const ok = await gw.put("hcv", { nodes: [{ addr: A }], health: { check: { interval: 3 } } });
  assert.deepEqual(ok.json.health, {
    max_fails: 3,
    fail_timeout: 10,
    check: { path: "/healthz", interval: 3, timeout: 1, healthy: 2, unhealthy: 2 },
  });
  // a GET body (with the read-only health fields per node) can be PUT back
  const g = await gw.admin("GET", "/v1/upstreams/hcv");
  assert.equal(g.json.nodes[0].health !== undefined, true, JSON.stringify(g.json.nodes[0]));
  const again = await gw.admin("PUT", "/v1/upstreams/hcv", g.json);
  assert.equal(again.status, 200, again.text);
  // null turns checks off: no health fields per node
  const off = await gw.put("hcv", { nodes: [{ addr: A }], health: { check: null } });
  assert.equal("check" in off.json.health, false);
  assert.equal("health" in off.json.nodes[0], false);
  await gw.admin("DELETE", "/v1/upstreams/hcv");
});

test("a node answering 500 becomes unhealthy, gets no traffic, and comes back when fixed", async () => {
  const [A, B] = be.addrs;
  const [nA, nB] = be.nodes.map((n) => n.name);
  await gw.put("hc", { nodes: [{ addr: A }, { addr: B }], health: { max_fails: 0, check: CHECK } });
  const healthy = await eventually(async () => (await nodeOf("hc", A))?.health === "healthy" && (await nodeOf("hc", B))?.health === "healthy", 5000);
  assert.ok(healthy, JSON.stringify(await gw.admin("GET", "/v1/upstreams/hc").then((r) => r.json)));

  await be.control(be.nodes[0].port, "status?code=500");
  try {
    const down = await eventually(async () => {
      const n = await nodeOf("hc", A);
      return n?.health === "unhealthy" ? n : null;
    }, 5000);
    assert.ok(down, "A marked unhealthy");
    assert.equal(down.health_error, "status 500");
    assert.equal(typeof down.health_checked_at, "number");
    assert.deepEqual(await tally(gw, "hc", 20), new Map([[nB, 20]]), "no traffic to the unhealthy node");

    const stats = (await gw.admin("GET", "/v1/stats")).json.services.find((s: { name: string }) => s.name === "hc");
    assert.equal(stats.nodes.find((n: NodeView) => n.addr === A).health, "unhealthy");
    assert.equal(stats.nodes.find((n: NodeView) => n.addr === B).health, "healthy");
    const m = (await gw.admin("GET", "/metrics")).text;
    assert.ok(m.includes(`graylane_node_healthy{service="hc",node="${A}"} 0`), m);
    assert.ok(m.includes(`graylane_node_healthy{service="hc",node="${B}"} 1`), m);
  } finally {
    await be.control(be.nodes[0].port, "status?code=0");
  }
  const up = await eventually(async () => (await nodeOf("hc", A))?.health === "healthy", 5000);
  assert.ok(up, "A healthy again");
  const counts = await tally(gw, "hc", 20);
  assert.ok((counts.get(nA) ?? 0) >= 5 && (counts.get(nB) ?? 0) >= 5, JSON.stringify([...counts]));
  await gw.admin("DELETE", "/v1/upstreams/hc");
});

test("an added node is probed from the next interval; a removed node is no longer probed", async () => {
  const [, , C, D] = be.addrs;
  await be.control(be.nodes[3].port, "reset");
  await gw.put("hcadd", { nodes: [{ addr: C }], health: { check: CHECK } });
  await sleep(3 * INTERVAL * 1000);
  assert.equal((await probes(3)).probes, 0, "D is not in any checked service yet");

  const add = await gw.admin("POST", "/v1/upstreams/hcadd/nodes", { addr: D });
  assert.equal(add.status, 201, add.text);
  const t0 = Date.now();
  const probed = await eventually(async () => (await probes(3)).probes > 0, 5000, 20);
  assert.ok(probed, "the added node was probed");
  assert.ok(Date.now() - t0 < 2 * INTERVAL * 1000 + 500, `first probe after ${Date.now() - t0} ms`);
  const seen = await eventually(async () => typeof (await nodeOf("hcadd", D))?.health_checked_at === "number", 3000);
  assert.ok(seen, "the API shows the added node's last check");

  const del = await gw.admin("DELETE", `/v1/upstreams/hcadd/nodes/${encodeURIComponent(D)}`);
  assert.equal(del.status, 200, del.text);
  await sleep(INTERVAL * 1000); // a round that started before the removal may still land
  const before = (await probes(3)).probes;
  await sleep(4 * INTERVAL * 1000);
  assert.equal((await probes(3)).probes, before, "no probe after the removal");
  const cBefore = (await probes(2)).probes;
  assert.ok(cBefore > 0, "the node that stayed is still probed");
  await gw.admin("DELETE", "/v1/upstreams/hcadd");
});

test("with 2 workers one probes per interval; when it is killed another takes over", async () => {
  const C = be.addrs[2];
  await gw.put("hcone", { nodes: [{ addr: C }], health: { check: CHECK } });
  await sleep(2 * INTERVAL * 1000);
  const status = (await gw.admin("GET", "/v1/status")).json;
  assert.equal(status.workers, 2);
  const prober = status.health_prober_pid;
  assert.ok((await gw.workerPids()).includes(prober), `prober ${prober} is a worker`);

  const windowMs = 3000;
  const start = Date.now();
  await sleep(windowMs);
  const log = (await probes(2)).probeLog.filter((t) => t >= start && t < start + windowMs);
  const expected = windowMs / (INTERVAL * 1000);
  // two probing workers would give ~2x; ticks are 0.25 s apart, so a round may come late
  assert.ok(log.length >= expected * 0.5 && log.length <= expected + 1, `${log.length} probes in ${windowMs} ms (one prober: ~${expected})`);
  for (let i = 1; i < log.length; i++) assert.ok(log[i] - log[i - 1] >= 250, `probes ${log[i] - log[i - 1]} ms apart`);

  process.kill(prober, "SIGKILL");
  const killedAt = Date.now();
  const next = await eventually(async () => {
    const s = (await gw.admin("GET", "/v1/status")).json;
    return s.health_prober_pid && s.health_prober_pid !== prober ? s.health_prober_pid : null;
  }, 8000, 100);
  assert.ok(next, "another worker took the prober lock");
  const resumed = await eventually(async () => (await probes(2)).probeLog.some((t) => t > killedAt + 100 && t > Date.now() - 2000), 8000, 100);
  assert.ok(resumed, "probes resumed");
  await gw.admin("DELETE", "/v1/upstreams/hcone");
});
