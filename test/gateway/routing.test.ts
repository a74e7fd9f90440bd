// Proxy routing: service lookup, algorithms, gray rules, pools, draining.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gateway, backends, tally, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import { load, request, sleep, eventually } from "../support/http";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;
let A: string, B: string, C: string;
let nA: string, nB: string, nC: string;

withGateway(3, {
  workers: 2,
  // a location that names its service instead of the Host header
  extraProxyConfig: `
      location /via-var/ {
          set $graylane_service routed;
          include graylane-proxy.conf;
      }`,
}, (g, b) => {
  gw = g;
  be = b;
  [A, B, C] = be.addrs;
  [nA, nB, nC] = be.nodes.map((n) => n.name);
});

test("unknown service -> 404 JSON; no available stable node -> 503 JSON naming the service", async () => {
  const r = await gw.proxy("/x", { host: "nosuch.example" });
  assert.equal(r.status, 404);
  assert.match(String(r.headers["content-type"]), /application\/json/);
  assert.equal(r.json.error.code, "unknown_service");
  assert.equal(r.json.error.service, "nosuch.example");

  await gw.admin("PUT", "/v1/upstreams/empty", { nodes: [{ addr: A, state: "down" }, { addr: B, state: "gray" }, { addr: C, state: "draining" }], gray: { header: { name: "X-Gray", value: "1" } } });
  const t0 = Date.now();
  const e = await gw.proxy("/", { host: "empty" });
  assert.equal(e.status, 503);
  assert.equal(e.json.error.code, "no_available_node");
  assert.equal(e.json.error.service, "empty");
  assert.ok(Date.now() - t0 < 1000, "answers at once, no hang");
  // gray traffic still reaches the gray node
  const g = await gw.proxy("/", { host: "empty", headers: { "x-gray": "1" } });
  assert.equal(g.status, 200);
  assert.equal(g.json.addr, B);
});

test("$graylane_service set in a location wins over the Host header; port in Host is ignored", async () => {
  await gw.put("routed", { nodes: [{ addr: C }] });
  await gw.put("byhost", { nodes: [{ addr: A }] });
  const r = await gw.proxy("/via-var/thing", { host: "byhost" });
  assert.equal(r.status, 200);
  assert.equal(r.json.addr, C);
  assert.equal(r.json.path, "/via-var/thing");
  const h = await gw.proxy("/other", { host: "byhost:8080" });
  assert.equal(h.json.addr, A);
  assert.equal(h.json.host, "byhost:8080", "the Host header reaches the node unchanged");
  assert.equal(h.json.realIp, "127.0.0.1");
});

test("weighted round robin: 10,000 requests split 1:2:3 within ±5%", async () => {
  await gw.put("wrr", { nodes: [{ addr: A, weight: 1 }, { addr: B, weight: 2 }, { addr: C, weight: 3 }] });
  const r = await load({ url: gw.proxyUrl + "/", host: "wrr", concurrency: 16, count: 10_000 });
  assert.deepEqual(r.failures, []);
  assert.equal(r.ok, 10_000);
  const want: [string, number][] = [[nA, 1 / 6], [nB, 2 / 6], [nC, 3 / 6]];
  for (const [name, share] of want) {
    const got = (r.byBackend.get(name) ?? 0) / 10_000;
    assert.ok(Math.abs(got - share) <= share * 0.05, `${name}: ${got} vs ${share}`);
  }
});

test("ip_hash: each client IP sticks to one node, and clients spread over the nodes", async () => {
  await gw.put("sticky", { algorithm: "ip_hash", nodes: [{ addr: A }, { addr: B }, { addr: C }] });
  const used = new Set<string>();
  for (let i = 1; i <= 24; i++) {
    const ip = `127.0.${i}.${(i * 7) % 250 + 1}`;
    const counts = await tally(gw, "sticky", 6, { localAddress: ip });
    assert.equal(counts.size, 1, `${ip} saw ${[...counts.keys()]}`);
    used.add([...counts.keys()][0]);
  }
  assert.ok(used.size >= 2, `clients spread over ${[...used]}`);
});

test("least_conn: a slow node gets few requests", async () => {
  await gw.put("lc", { algorithm: "least_conn", nodes: [{ addr: A }, { addr: B }] });
  await be.control(be.nodes[0].port, "delay?ms=300");
  try {
    const until = Date.now() + 2000;
    const r = await load({ url: gw.proxyUrl + "/", host: "lc", concurrency: 8, until: () => Date.now() > until });
    assert.deepEqual(r.failures, []);
    const slow = r.byBackend.get(nA) ?? 0;
    const fast = r.byBackend.get(nB) ?? 0;
    assert.ok(fast > 100, `fast node served ${fast}`);
    assert.ok(slow / (slow + fast) < 0.1, `slow node got ${slow} of ${slow + fast}`);
  } finally {
    await be.control(be.nodes[0].port, "delay?ms=0");
  }
});

test("no static matcher by default: a well-known header or cookie does not reach gray", async () => {
  await gw.put("g0", { nodes: [{ addr: A }, { addr: C, state: "gray" }] });
  assert.deepEqual(await tally(gw, "g0", 5, { headers: { "x-gray": "1", cookie: "gray=1" } }), new Map([[nA, 5]]));
  // the brief's add creates a service with the same default
  const add = await gw.admin("GET", `/upstream_add?upstream=g0brief&server=${A}`);
  assert.equal(add.status, 200, add.text);
  const got = await gw.admin("GET", "/v1/upstreams/g0brief");
  assert.deepEqual([got.json.gray.header, got.json.gray.cookie], [null, null]);
});

test("gray rule by header, cookie and custom names; normal traffic never reaches the gray node", async () => {
  await gw.put("g1", {
    nodes: [{ addr: A }, { addr: B }, { addr: C, state: "gray" }],
    gray: { header: { name: "X-Gray", value: "1" }, cookie: { name: "gray", value: "1" } },
  });
  const plain = await tally(gw, "g1", 30);
  assert.equal(plain.get(nC), undefined, "no stable request on the gray node");
  assert.deepEqual((await tally(gw, "g1", 10, { headers: { "x-gray": "1" } })), new Map([[nC, 10]]));
  assert.deepEqual((await tally(gw, "g1", 10, { headers: { cookie: "a=b; gray=1; c=d" } })), new Map([[nC, 10]]));
  assert.equal((await tally(gw, "g1", 10, { headers: { "x-gray": "0", cookie: "gray=2" } })).get(nC), undefined);

  await gw.put("g1", {
    nodes: [{ addr: A }, { addr: C, state: "gray" }],
    gray: { header: { name: "X-Canary", value: "yes" }, cookie: { name: "canary", value: "on" } },
  });
  assert.deepEqual(await tally(gw, "g1", 5, { headers: { "x-canary": "yes" } }), new Map([[nC, 5]]));
  assert.deepEqual(await tally(gw, "g1", 5, { headers: { cookie: "canary=on" } }), new Map([[nC, 5]]));
  assert.deepEqual(await tally(gw, "g1", 5, { headers: { "x-gray": "1", cookie: "gray=1" } }), new Map([[nA, 5]]));
  // rules switched off with null
  await gw.put("g1", { nodes: [{ addr: A }, { addr: C, state: "gray" }], gray: { header: null, cookie: null } });
  assert.deepEqual(await tally(gw, "g1", 5, { headers: { "x-gray": "1", cookie: "gray=1" } }), new Map([[nA, 5]]));
});

test("gray rule by client CIDR", async () => {
  await gw.put("g2", { nodes: [{ addr: A }, { addr: C, state: "gray" }], gray: { header: null, cookie: null, cidrs: ["127.0.5.0/24", "10.0.0.0/8"] } });
  assert.deepEqual(await tally(gw, "g2", 5, { localAddress: "127.0.5.9" }), new Map([[nC, 5]]));
  assert.deepEqual(await tally(gw, "g2", 5, { localAddress: "127.0.6.9" }), new Map([[nA, 5]]));
  await gw.put("g2", { nodes: [{ addr: A }, { addr: C, state: "gray" }], gray: { cidrs: ["127.0.0.0/8"] } });
  assert.deepEqual(await tally(gw, "g2", 5, { localAddress: "127.200.1.1" }), new Map([[nC, 5]]));
  await gw.put("g2", { nodes: [{ addr: A }, { addr: C, state: "gray" }], gray: { cidrs: ["10.0.0.0/8", "::1/128"] } });
  assert.deepEqual(await tally(gw, "g2", 5), new Map([[nA, 5]]));
});

test("gray rule by client CIDR: /0, /32, and a list longer than the generated comparison (more than 32 IPv4 CIDRs)", async () => {
  const put = (cidrs: string[]) => gw.put("g2", { nodes: [{ addr: A }, { addr: C, state: "gray" }], gray: { header: null, cookie: null, cidrs } });
  await put(["0.0.0.0/0"]);
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.9.9.9" }), new Map([[nC, 3]]));
  await put(["127.0.8.1/32", "::1/128"]);
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.8.1" }), new Map([[nC, 3]]));
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.8.2" }), new Map([[nA, 3]]));
  // 40 IPv4 CIDRs (a loop, not one expression), the matching ones last, an IPv6 one among them
  const many = Array.from({ length: 38 }, (_, i) => `10.${i}.0.0/16`);
  await put([...many, "2001:db8::/32", "127.0.7.0/24", "127.0.9.128/25"]);
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.7.200" }), new Map([[nC, 3]]));
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.9.200" }), new Map([[nC, 3]]));
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.9.100" }), new Map([[nA, 3]]));
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.6.1" }), new Map([[nA, 3]]));
  // the same CIDRs as one generated expression (32 or fewer)
  await put([...many.slice(0, 29), "2001:db8::/32", "127.0.7.0/24", "127.0.9.128/25"]);
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.9.200" }), new Map([[nC, 3]]));
  assert.deepEqual(await tally(gw, "g2", 3, { localAddress: "127.0.9.100" }), new Map([[nA, 3]]));
});

test("gray rule by percentage: sticky per client IP, about the asked share", async () => {
  const ips = Array.from({ length: 200 }, (_, i) => `127.1.${Math.floor(i / 100)}.${(i % 100) + 1}`);
  const grayShare = async (percent: number) => {
    await gw.put("g3", { nodes: [{ addr: A }, { addr: C, state: "gray" }], gray: { header: null, cookie: null, percent } });
    const grayIps = new Set<string>();
    for (const ip of ips) {
      const r = await gw.proxy("/", { host: "g3", localAddress: ip });
      if (r.json.addr === C) grayIps.add(ip);
    }
    return grayIps;
  };
  assert.equal((await grayShare(0)).size, 0);
  assert.equal((await grayShare(100)).size, ips.length);
  const thirty = await grayShare(30);
  assert.ok(thirty.size > 30 && thirty.size < 90, `30% gave ${thirty.size} of 200`);
  // the same clients again: the same answer (stable hash, not random)
  const again = await grayShare(30);
  assert.deepEqual([...again].sort(), [...thirty].sort());
  // raising the share keeps the clients that were already gray
  const fifty = await grayShare(50);
  for (const ip of thirty) assert.ok(fifty.has(ip), `${ip} left gray when the share grew`);
});

test("gray traffic falls back to the stable pool when no gray node is available", async () => {
  await gw.put("g4", { nodes: [{ addr: A }, { addr: B, state: "gray" }], gray: { header: { name: "X-Gray", value: "1" } } });
  assert.deepEqual(await tally(gw, "g4", 4, { headers: { "x-gray": "1" } }), new Map([[nB, 4]]));
  await gw.admin("PATCH", `/v1/upstreams/g4/nodes/${B}`, { state: "down" });
  assert.deepEqual(await tally(gw, "g4", 4, { headers: { "x-gray": "1" } }), new Map([[nA, 4]]));
});

test("backup nodes serve only when no active node is available", async () => {
  await gw.put("bk", { nodes: [{ addr: A }, { addr: B, backup: true }] });
  assert.deepEqual(await tally(gw, "bk", 6), new Map([[nA, 6]]));
  const r = await gw.admin("PATCH", `/v1/upstreams/bk/nodes/${A}`, { state: "down" });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(await tally(gw, "bk", 6), new Map([[nB, 6]]));
});

test("draining: requests in flight finish, new requests go elsewhere, in_flight is reported", async () => {
  await gw.put("dr", { nodes: [{ addr: A }] });
  // long enough to stay in flight through the steps below even on a busy machine
  const slow = gw.proxy("/slow?ms=4000", { host: "dr" });
  // wait until the slow request is in flight on A
  let inFlight = 0;
  for (let i = 0; i < 150 && inFlight === 0; i++) {
    await sleep(20);
    inFlight = (await gw.admin("GET", "/v1/upstreams/dr")).json.nodes[0].in_flight;
  }
  assert.equal(inFlight, 1);
  await gw.admin("POST", "/v1/upstreams/dr/nodes", { addr: B });
  const before = Number((await be.control(be.nodes[0].port, "stats")).served);
  const d = await gw.admin("PATCH", `/v1/upstreams/dr/nodes/${A}`, { state: "draining" });
  assert.equal(d.status, 200, d.text);
  assert.equal(d.json.nodes[0].in_flight, 1, "the API shows the request still in flight");
  const stats = (await gw.admin("GET", "/v1/stats")).json.services.find((s: { name: string }) => s.name === "dr");
  assert.equal(stats.nodes[0].in_flight, 1);
  assert.deepEqual(await tally(gw, "dr", 20), new Map([[nB, 20]]));
  const done = await slow;
  assert.equal(done.status, 200);
  assert.equal(done.json.addr, A);
  assert.equal(Number((await be.control(be.nodes[0].port, "stats")).served), before, "nothing new reached the draining node");
  // workers publish their in-flight counts every 0.25 s
  const drained = await eventually(async () => (await gw.admin("GET", "/v1/upstreams/dr")).json.nodes[0].in_flight === 0, 3000);
  assert.ok(drained, "in_flight back to 0");
});

test("a client can reach the gateway from many source IPs without errors (keep-alive load)", async () => {
  await gw.put("many", { nodes: [{ addr: A }, { addr: B }] });
  const r = await load({ url: gw.proxyUrl + "/", host: "many", concurrency: 4, count: 400, localAddress: "127.9.9.9" });
  assert.deepEqual(r.failures, []);
  const direct = await request(gw.proxyUrl + "/", { host: "many" });
  assert.equal(direct.status, 200);
});

test("IPv6 and hostname nodes are proxied; an unresolvable hostname serves nothing", async () => {
  const { startBackends } = await import("../../scripts/lib/backends");
  const { freePort } = await import("../../scripts/lib/net");
  const v6 = await startBackends({ host: "::1", ports: [await freePort("::1")] });
  try {
    assert.match(v6.addrs[0], /^\[::1\]:\d+$/);
    await gw.put("v6", { nodes: [{ addr: v6.addrs[0] }] });
    const r = await gw.proxy("/", { host: "v6" });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.addr, v6.addrs[0]);
  } finally {
    await v6.stop();
  }
  const port = be.nodes[0].port;
  await gw.put("named", { nodes: [{ addr: `localhost:${port}` }] });
  const n = await gw.proxy("/", { host: "named" });
  assert.equal(n.status, 200, n.text);
  assert.equal(n.json.name, nA);
  await gw.put("unresolved", { nodes: [{ addr: "no-such-host.invalid:80" }] });
  const u = await gw.proxy("/", { host: "unresolved" });
  assert.equal(u.status, 503);
  assert.equal(u.json.error.code, "no_available_node");
});
