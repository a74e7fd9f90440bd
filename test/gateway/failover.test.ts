// Failover: retries on another node, passive ejection visible in the API,
// a node SIGKILLed under load, node churn under load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backends, tally, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import { load, sleep, eventually } from "../support/http";
import { freePort } from "../../scripts/lib/net";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;

withGateway(3, { workers: 2, readTimeout: "700ms" }, (g, b) => {
  gw = g;
  be = b;
});

test("a refused connection is retried on another node; the node is ejected after max_fails, then comes back", async () => {
  const dead = `127.0.0.1:${await freePort()}`; // nothing listens there
  const A = be.addrs[0];
  await gw.put("fo", { nodes: [{ addr: dead }, { addr: A }], health: { max_fails: 2, fail_timeout: 3 } });
  const counts = await tally(gw, "fo", 20);
  assert.deepEqual(counts, new Map([[be.nodes[0].name, 20]]), "every request answered by the live node");

  const g = await gw.admin("GET", "/v1/upstreams/fo");
  const deadNode = g.json.nodes.find((n: { addr: string }) => n.addr === dead);
  assert.equal(typeof deadNode.ejected_until, "number", JSON.stringify(deadNode));
  assert.ok(deadNode.ejected_until > Date.now() / 1000);
  assert.equal(g.json.nodes[1].ejected_until, null);

  const s = await eventually(async () => {
    const st = (await gw.admin("GET", "/v1/stats")).json.services.find((x: { name: string }) => x.name === "fo");
    return st.nodes[0].connect_failures >= 2 ? st : null;
  });
  assert.ok(s, "connect failures counted");
  assert.equal(s.nodes[0].ejected, true);
  assert.equal(s.nodes[0].requests, 0);
  const m = (await gw.admin("GET", "/metrics")).text;
  assert.ok(m.includes(`graylane_node_ejected{service="fo",node="${dead}"} 1`), m);

  // after fail_timeout the ejection ends on its own
  await sleep(Math.max(0, deadNode.ejected_until * 1000 - Date.now()) + 300);
  const later = await gw.admin("GET", "/v1/upstreams/fo");
  assert.equal(later.json.nodes[0].ejected_until, null);
});

test("a node that times out is retried on another node", async () => {
  const [A, B] = be.addrs;
  await gw.put("slowfo", { nodes: [{ addr: A }, { addr: B }], health: { max_fails: 0 } });
  await be.control(be.nodes[0].port, "delay?ms=2000");
  try {
    const counts = await tally(gw, "slowfo", 4);
    assert.deepEqual(counts, new Map([[be.nodes[1].name, 4]]));
  } finally {
    await be.control(be.nodes[0].port, "delay?ms=0");
  }
});

test("all nodes failing gives a JSON 502, not a hang", async () => {
  const d1 = `127.0.0.1:${await freePort()}`;
  const d2 = `127.0.0.1:${await freePort()}`;
  await gw.put("alldead", { nodes: [{ addr: d1 }, { addr: d2 }], health: { max_fails: 0 } });
  const r = await gw.proxy("/", { host: "alldead" });
  assert.equal(r.status, 502);
  assert.equal(r.json.error.code, "upstream_unavailable");
  assert.equal(r.json.error.service, "alldead");
  await sleep(600); // two publication periods of the workers' in-flight counts
  const st = (await gw.admin("GET", "/v1/upstreams/alldead")).json;
  assert.deepEqual(st.nodes.map((n: { in_flight: number }) => n.in_flight), [0, 0], "no in-flight leak on the error path");
});

test("a node process SIGKILLed under load: zero client-visible failures", async () => {
  const [A, B, C] = be.addrs;
  await gw.put("kill", { nodes: [{ addr: A }, { addr: B }, { addr: C }] });
  const victim = be.nodes[2];
  let stop = false;
  const run = load({ url: gw.proxyUrl + "/", host: "kill", concurrency: 8, until: () => stop });
  await sleep(700);
  await be.kill(victim.port);
  await sleep(1500);
  stop = true;
  const r = await run;
  assert.deepEqual(r.failures, [], `${r.failures.length} failures of ${r.total}`);
  assert.ok(r.ok > 200, `only ${r.ok} requests`);
  assert.ok((r.byBackend.get(victim.name) ?? 0) > 0, "the victim served before it died");
  const st = (await gw.admin("GET", "/v1/upstreams/kill")).json;
  const v = st.nodes.find((n: { addr: string }) => n.addr === victim.addr);
  assert.equal(typeof v.ejected_until, "number", "the dead node is ejected");
  await be.restart(victim.port);
});

test("node churn (add/remove every 100 ms for 10 s) under load: zero failed requests", async () => {
  const [A, B, C] = be.addrs;
  await gw.put("churn", { nodes: [{ addr: A }, { addr: B }] });
  let stop = false;
  const run = load({ url: gw.proxyUrl + "/", host: "churn", concurrency: 6, until: () => stop });
  const end = Date.now() + 10_000;
  let changes = 0;
  const errors: string[] = [];
  let present = false;
  while (Date.now() < end) {
    const r = present
      ? await gw.admin("DELETE", `/v1/upstreams/churn/nodes/${C}`)
      : await gw.admin("POST", "/v1/upstreams/churn/nodes", { addr: C });
    if (r.status !== 200 && r.status !== 201) errors.push(`${r.status} ${r.text}`);
    present = !present;
    changes++;
    await sleep(100);
  }
  stop = true;
  const r = await run;
  assert.deepEqual(errors, []);
  assert.ok(changes >= 40, `only ${changes} changes`);
  assert.deepEqual(r.failures, [], `${r.failures.length} failures of ${r.total}`);
  assert.ok(r.ok > 500, `only ${r.ok} requests`);
  assert.ok((r.byBackend.get(be.nodes[2].name) ?? 0) > 0, "the churned node took traffic while present");
  const st = (await gw.admin("GET", "/v1/upstreams/churn")).json;
  assert.equal(st.version, 1 + changes);
});
