// Admin API: every route, auth, validation (a rejected call changes nothing),
// the brief's three calls, stats, metrics and status.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { gateway, backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import { request, eventually } from "../support/http";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;
let A: string, B: string, C: string;

withGateway(3, { workers: 2 }, (g, b) => {
  gw = g;
  be = b;
  [A, B, C] = be.addrs;
});

test("every admin call needs the bearer token", async () => {
  for (const headers of [{} as Record<string, string>, { authorization: "Bearer wrong" }, { authorization: `Bearer ${gw.token}x` }, { authorization: `Basic ${gw.token}` }, { authorization: "Bearer " }]) {
    for (const p of ["/v1/upstreams", "/v1/status", "/metrics", "/upstream_list?upstream=x", "/nope"]) {
      const r = await request(gw.adminUrl + p, { headers });
      assert.equal(r.status, 401, `${p} ${JSON.stringify(headers)}`);
      assert.equal(r.json.error.code, "unauthorized");
    }
  }
  const ok = await gw.admin("GET", "/v1/upstreams");
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json, { upstreams: [] });
});

test("the token is not on nginx's command line", async () => {
  for (const pid of [gw.masterPid, ...(await gw.workerPids())]) {
    const cmd = await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
    assert.ok(!cmd.includes(gw.token), `pid ${pid}`);
  }
  const st = await fs.stat(path.join(gw.prefix, "admin.token"));
  assert.equal(st.mode & 0o777, 0o600);
});

test("PUT creates, GET returns the normalised state, PUT again bumps the version", async () => {
  const r1 = await gw.admin("PUT", "/v1/upstreams/crud", { nodes: [{ addr: A }, { addr: B, weight: 3, state: "gray" }], revision: 42 });
  assert.equal(r1.status, 201, r1.text);
  assert.equal(r1.json.version, 1);
  assert.equal(r1.headers.etag, '"1"');
  assert.deepEqual(r1.json, {
    name: "crud",
    version: 1,
    revision: 42,
    algorithm: "round_robin",
    nodes: [
      { addr: A, weight: 1, state: "active", backup: false, in_flight: 0, ejected_until: null },
      { addr: B, weight: 3, state: "gray", backup: false, in_flight: 0, ejected_until: null },
    ],
    gray: { header: null, cookie: null, cidrs: [], percent: 0, tester: null },
    health: { max_fails: 3, fail_timeout: 10 },
  });
  const g = await gw.admin("GET", "/v1/upstreams/crud");
  assert.equal(g.status, 200);
  assert.deepEqual(g.json, r1.json);
  // a GET body can be PUT back as is (read-only fields are ignored)
  const r2 = await gw.admin("PUT", "/v1/upstreams/crud", { ...g.json, algorithm: "least_conn" });
  assert.equal(r2.status, 200, r2.text);
  assert.equal(r2.json.version, 2);
  assert.equal(r2.json.algorithm, "least_conn");
  const list = await gw.admin("GET", "/v1/upstreams");
  assert.deepEqual(list.json.upstreams.map((u: { name: string }) => u.name), ["crud"]);
});

test("If-Match: stale version -> 412 and nothing changes; current version -> applied", async () => {
  await gw.put("im", { nodes: [{ addr: A }] });
  const stale = await gw.admin("PUT", "/v1/upstreams/im", { nodes: [{ addr: B }] }, { "if-match": "7" });
  assert.equal(stale.status, 412);
  assert.equal(stale.json.error.code, "version_mismatch");
  assert.equal((await gw.admin("GET", "/v1/upstreams/im")).json.nodes[0].addr, A);
  const bad = await gw.admin("PUT", "/v1/upstreams/im", { nodes: [{ addr: B }] }, { "if-match": "abc" });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_if_match");
  const ok = await gw.admin("PUT", "/v1/upstreams/im", { nodes: [{ addr: B }] }, { "if-match": '"1"' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.version, 2);
  const p412 = await gw.admin("PATCH", `/v1/upstreams/im/nodes/${B}`, { weight: 5 }, { "if-match": "1" });
  assert.equal(p412.status, 412);
  const fresh = await gw.admin("PUT", "/v1/upstreams/im-new", { nodes: [{ addr: A }] }, { "if-match": "0" });
  assert.equal(fresh.status, 201, fresh.text);
});

test("validation: each bad field gets its code and field, and changes nothing", async () => {
  await gw.put("val", { nodes: [{ addr: A }] });
  const cases: [unknown, string, string][] = [
    [{ nodes: [{ addr: "1.2.3.256:80" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: "1.2.3.4" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: "1.2.3.4:0" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: "1.2.3.4:65536" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: "[::g]:80" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: "::1:80" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: "-bad-.host:80" }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: 8080 }] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{}] }, "invalid_addr", "nodes[0].addr"],
    [{ nodes: [{ addr: A }, { addr: B, weight: 0 }] }, "invalid_weight", "nodes[1].weight"],
    [{ nodes: [{ addr: A, weight: 101 }] }, "invalid_weight", "nodes[0].weight"],
    [{ nodes: [{ addr: A, weight: 1.5 }] }, "invalid_weight", "nodes[0].weight"],
    [{ nodes: [{ addr: A, weight: "2" }] }, "invalid_weight", "nodes[0].weight"],
    [{ nodes: [{ addr: A, state: "up" }] }, "invalid_state", "nodes[0].state"],
    [{ nodes: [{ addr: A, backup: "yes" }] }, "invalid_backup", "nodes[0].backup"],
    [{ nodes: [{ addr: A, colour: "red" }] }, "unknown_field", "nodes[0].colour"],
    [{ nodes: [{ addr: A }, { addr: A }] }, "duplicate_node", "nodes[1].addr"],
    [{ nodes: "x" }, "invalid_nodes", "nodes"],
    [{ nodes: [{ addr: A }], algorithm: "random" }, "invalid_algorithm", "algorithm"],
    [{ nodes: [{ addr: A }], gray: { cidrs: ["10.0.0.0/33"] } }, "invalid_cidr", "gray.cidrs[0]"],
    [{ nodes: [{ addr: A }], gray: { cidrs: ["10.0.0.1", "banana"] } }, "invalid_cidr", "gray.cidrs[1]"],
    [{ nodes: [{ addr: A }], gray: { cidrs: ["::1/129"] } }, "invalid_cidr", "gray.cidrs[0]"],
    [{ nodes: [{ addr: A }], gray: { percent: 101 } }, "invalid_percent", "gray.percent"],
    [{ nodes: [{ addr: A }], gray: { percent: -1 } }, "invalid_percent", "gray.percent"],
    [{ nodes: [{ addr: A }], gray: { header: { name: "X Gray", value: "1" } } }, "invalid_gray", "gray.header.name"],
    [{ nodes: [{ addr: A }], gray: { cookie: { name: "gray", value: "" } } }, "invalid_gray", "gray.cookie.value"],
    [{ nodes: [{ addr: A }], gray: { other: 1 } }, "unknown_field", "gray.other"],
    [{ nodes: [{ addr: A }], health: { max_fails: -1 } }, "invalid_health", "health.max_fails"],
    [{ nodes: [{ addr: A }], health: { fail_timeout: 0 } }, "invalid_health", "health.fail_timeout"],
    [{ nodes: [{ addr: A }], revision: "r1" }, "invalid_revision", "revision"],
    [{ nodes: [{ addr: A }], extra: true }, "unknown_field", "extra"],
    [{ nodes: [{ addr: A }], name: "other" }, "name_mismatch", "name"],
    [[1, 2], "invalid_body", "body"],
  ];
  for (const [body, code, field] of cases) {
    const r = await gw.admin("PUT", "/v1/upstreams/val", body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.text}`);
    assert.equal(r.json.error.code, code, JSON.stringify(body));
    assert.equal(r.json.error.field, field, JSON.stringify(body));
    assert.equal(typeof r.json.error.message, "string");
  }
  const malformed = await gw.admin("PUT", "/v1/upstreams/val", '{"nodes": [');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.error.code, "invalid_json");
  const empty = await gw.admin("PUT", "/v1/upstreams/val", "");
  assert.equal(empty.status, 400);
  const big = await gw.admin("PUT", "/v1/upstreams/val", JSON.stringify({ nodes: [{ addr: A }], pad: "x".repeat(300 * 1024) }));
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, "body_too_large");
  const huge = await gw.admin("PUT", "/v1/upstreams/val", "x".repeat(2 * 1024 * 1024));
  assert.equal(huge.status, 413);
  assert.equal(huge.json.error.code, "body_too_large");
  const badName = await gw.admin("PUT", "/v1/upstreams/bad%20name", { nodes: [] });
  assert.equal(badName.status, 400);
  assert.equal(badName.json.error.code, "invalid_name");
  const long = await gw.admin("PUT", `/v1/upstreams/${"a".repeat(65)}`, { nodes: [] });
  assert.equal(long.json.error.code, "invalid_name");
  const after = await gw.admin("GET", "/v1/upstreams/val");
  assert.equal(after.json.version, 1, "rejected calls must not change the service");
  assert.deepEqual(after.json.nodes.map((n: { addr: string }) => n.addr), [A]);
});

test("addresses: IPv6 and hostnames are accepted and canonicalised", async () => {
  const r = await gw.admin("PUT", "/v1/upstreams/addrs", {
    nodes: [{ addr: "[0:0:0:0:0:0:0:1]:8080" }, { addr: "LocalHost:81" }, { addr: "api.internal.example:443" }, { addr: "[2001:DB8::1]:65535" }],
    gray: { cidrs: ["10.1.2.3/8", "fd00::/8", "127.0.0.1"] },
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.nodes.map((n: { addr: string }) => n.addr), ["[::1]:8080", "localhost:81", "api.internal.example:443", "[2001:db8::1]:65535"]);
  assert.deepEqual(r.json.gray.cidrs, ["10.0.0.0/8", "fd00::/8", "127.0.0.1/32"]);
  const dup = await gw.admin("POST", "/v1/upstreams/addrs/nodes", { addr: "[::1]:8080" });
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, "node_exists");
});

test("node routes: POST / PATCH / DELETE and their errors", async () => {
  await gw.put("nodes", { nodes: [{ addr: A }] });
  const add = await gw.admin("POST", "/v1/upstreams/nodes/nodes", { addr: B, weight: 2 });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.json.version, 2);
  assert.deepEqual(add.json.nodes[1], { addr: B, weight: 2, state: "active", backup: false, in_flight: 0, ejected_until: null });
  assert.equal((await gw.admin("POST", "/v1/upstreams/nodes/nodes", { addr: B })).status, 409);
  const missingSvc = await gw.admin("POST", "/v1/upstreams/ghost/nodes", { addr: B });
  assert.equal(missingSvc.status, 404);
  assert.equal(missingSvc.json.error.code, "service_not_found");
  const badNode = await gw.admin("POST", "/v1/upstreams/nodes/nodes", { addr: C, state: "sleeping" });
  assert.equal(badNode.status, 400);
  assert.equal(badNode.json.error.field, "state");

  const patch = await gw.admin("PATCH", `/v1/upstreams/nodes/nodes/${encodeURIComponent(B)}`, { weight: 7, backup: true });
  assert.equal(patch.status, 200, patch.text);
  assert.deepEqual(patch.json.nodes[1], { addr: B, weight: 7, state: "active", backup: true, in_flight: 0, ejected_until: null });
  assert.equal((await gw.admin("PATCH", `/v1/upstreams/nodes/nodes/${C}`, { weight: 2 })).json.error.code, "node_not_found");
  assert.equal((await gw.admin("PATCH", `/v1/upstreams/nodes/nodes/${B}`, { weight: 200 })).json.error.code, "invalid_weight");
  assert.equal((await gw.admin("PATCH", `/v1/upstreams/nodes/nodes/${B}`, { addr: C })).json.error.code, "unknown_field");
  assert.equal((await gw.admin("PATCH", `/v1/upstreams/nodes/nodes/not-an-addr`, { weight: 2 })).json.error.code, "invalid_addr");

  const del = await gw.admin("DELETE", `/v1/upstreams/nodes/nodes/${B}`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json.nodes.map((n: { addr: string }) => n.addr), [A]);
  assert.equal((await gw.admin("DELETE", `/v1/upstreams/nodes/nodes/${B}`)).status, 404);
});

test("409 when a change leaves no stable-capable node, unless forced", async () => {
  await gw.put("guard", { nodes: [{ addr: A }, { addr: B, state: "gray" }] });
  const toGray = await gw.admin("PATCH", `/v1/upstreams/guard/nodes/${A}`, { state: "gray" });
  assert.equal(toGray.status, 409);
  assert.equal(toGray.json.error.code, "no_stable_node");
  const del = await gw.admin("DELETE", `/v1/upstreams/guard/nodes/${A}`);
  assert.equal(del.status, 409);
  const put = await gw.admin("PUT", "/v1/upstreams/guard", { nodes: [{ addr: A, state: "draining" }] });
  assert.equal(put.status, 409);
  assert.equal((await gw.admin("GET", "/v1/upstreams/guard")).json.version, 1);
  // backup nodes are stable-capable
  const backupOnly = await gw.admin("PUT", "/v1/upstreams/guard", { nodes: [{ addr: A, backup: true }] });
  assert.equal(backupOnly.status, 200, backupOnly.text);
  const forcedQuery = await gw.admin("PATCH", `/v1/upstreams/guard/nodes/${A}?force=1`, { state: "down" });
  assert.equal(forcedQuery.status, 200, forcedQuery.text);
  await gw.put("guard2", { nodes: [{ addr: A }] });
  const forcedBody = await gw.admin("PUT", "/v1/upstreams/guard2", { nodes: [{ addr: A, state: "gray" }], force: true });
  assert.equal(forcedBody.status, 200, forcedBody.text);
  assert.equal(forcedBody.json.force, undefined, "force is not stored");
});

test("DELETE service, 404 afterwards; unknown routes and methods", async () => {
  await gw.put("gone", { nodes: [{ addr: A }] });
  const d = await gw.admin("DELETE", "/v1/upstreams/gone");
  assert.equal(d.status, 200);
  assert.deepEqual(d.json, { name: "gone", deleted: true, version: 1 });
  const g = await gw.admin("GET", "/v1/upstreams/gone");
  assert.equal(g.status, 404);
  assert.equal(g.json.error.code, "service_not_found");
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/gone")).status, 404);
  const nf = await gw.admin("GET", "/v2/whatever");
  assert.equal(nf.status, 404);
  assert.equal(nf.json.error.code, "not_found");
  const m1 = await gw.admin("POST", "/v1/upstreams/x");
  assert.equal(m1.status, 405);
  assert.equal(m1.json.error.code, "method_not_allowed");
  assert.equal((await gw.admin("DELETE", "/v1/stats")).status, 405);
  assert.equal((await gw.admin("POST", "/upstream_add?upstream=x&server=1.2.3.4:80")).status, 405);
  // recreating a deleted service starts a new life at version 1
  const again = await gw.admin("PUT", "/v1/upstreams/gone", { nodes: [{ addr: B }] });
  assert.equal(again.status, 201);
  const r = await gw.proxy("/", { host: "gone" });
  assert.equal(r.json.addr, B);
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/gone")).status, 200);
});

test("the brief's three calls: upstream_add, upstream_remove, upstream_list", async () => {
  // start clean: "remove from every service" must only see this test's services
  for (const u of (await gw.admin("GET", "/v1/upstreams")).json.upstreams) {
    assert.equal((await gw.admin("DELETE", `/v1/upstreams/${u.name}`)).status, 200);
  }
  const add = await gw.admin("GET", `/upstream_add?upstream=localhost&server=${A}`);
  assert.equal(add.status, 200, add.text);
  assert.deepEqual(add.json.servers, [A]);
  const add2 = await gw.admin("GET", `/upstream_add?upstream=localhost&server=${B}`);
  assert.deepEqual(add2.json.servers, [A, B]);
  assert.equal(add2.json.count, 2);
  assert.equal((await gw.admin("GET", `/upstream_add?upstream=localhost&server=${B}`)).status, 409);
  assert.equal((await gw.admin("GET", `/upstream_add?upstream=localhost`)).json.error.field, "server");
  assert.equal((await gw.admin("GET", `/upstream_add?server=${A}`)).json.error.field, "upstream");
  assert.equal((await gw.admin("GET", `/upstream_add?upstream=localhost&server=nope`)).json.error.code, "invalid_addr");

  // the gateway serves it by Host header
  const seen = new Set<string>();
  for (let i = 0; i < 6; i++) seen.add((await gw.proxy("/", { host: "localhost" })).json.addr);
  assert.deepEqual([...seen].sort(), [A, B].sort());

  const list = await gw.admin("GET", "/upstream_list?upstream=localhost");
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.servers, [A, B]);
  assert.equal(list.json.nodes.length, 2);
  assert.equal((await gw.admin("GET", "/upstream_list?upstream=nosuch")).status, 404);
  const all = await gw.admin("GET", "/upstream_list");
  assert.ok(all.json.upstreams.some((u: { upstream: string }) => u.upstream === "localhost"));

  // remove without upstream: from every service that has it
  await gw.admin("GET", `/upstream_add?upstream=second&server=${B}`);
  await gw.admin("GET", `/upstream_add?upstream=second&server=${C}`);
  const rm = await gw.admin("GET", `/upstream_remove?server=${B}`);
  assert.equal(rm.status, 200, rm.text);
  assert.deepEqual(rm.json.removed_from.map((x: { upstream: string }) => x.upstream).sort(), ["localhost", "second"]);
  assert.deepEqual((await gw.admin("GET", "/upstream_list?upstream=localhost")).json.servers, [A]);
  assert.deepEqual((await gw.admin("GET", "/upstream_list?upstream=second")).json.servers, [C]);
  assert.equal((await gw.admin("GET", `/upstream_remove?server=${B}`)).status, 404);
  // removing the last node is refused unless forced
  const last = await gw.admin("GET", `/upstream_remove?upstream=localhost&server=${A}`);
  assert.equal(last.status, 409);
  const forced = await gw.admin("GET", `/upstream_remove?upstream=localhost&server=${A}&force=1`);
  assert.equal(forced.status, 200);
  assert.deepEqual((await gw.admin("GET", "/upstream_list?upstream=localhost")).json.servers, []);
  const none = await gw.proxy("/", { host: "localhost" });
  assert.equal(none.status, 503);
  assert.equal(none.json.error.service, "localhost");
});

test("concurrent writes through both workers are serialised: none is lost", async () => {
  await gw.put("race", { nodes: [{ addr: A }] });
  const N = 40;
  const results = await Promise.all(
    Array.from({ length: N }, (_, i) => gw.admin("POST", "/v1/upstreams/race/nodes", { addr: `10.1.${i}.1:80` })),
  );
  assert.deepEqual(results.map((r) => r.status), Array(N).fill(201));
  const st = (await gw.admin("GET", "/v1/upstreams/race")).json;
  assert.equal(st.nodes.length, N + 1);
  assert.equal(st.version, N + 1);
  assert.deepEqual([...new Set(results.map((r) => r.json.version))].length, N, "every write saw its own version");
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/race")).status, 200);
});

test("stats, metrics and status", async () => {
  await gw.put("st", { nodes: [{ addr: A }, { addr: B }] });
  await be.control(be.nodes[1].port, "status?code=500");
  try {
    for (let i = 0; i < 10; i++) await gw.proxy("/", { host: "st" });
  } finally {
    await be.control(be.nodes[1].port, "status?code=0");
  }
  const stats = await eventually(async () => {
    const s = (await gw.admin("GET", "/v1/stats")).json;
    const svc = s.services.find((x: { name: string }) => x.name === "st");
    const total = svc.nodes.reduce((a: number, n: { requests: number }) => a + n.requests, 0);
    return total === 10 ? s : null;
  }, 5000);
  assert.ok(stats, "stats reach 10 requests");
  const svc = stats.services.find((x: { name: string }) => x.name === "st");
  const [na, nb] = svc.nodes;
  assert.equal(na.addr, A);
  // each worker balances on its own, so the split of 10 requests is near, not exactly, 5/5
  const nA = na.requests;
  assert.ok(nA >= 2 && nA <= 8, `A got ${nA}`);
  assert.equal(na.responses["2xx"], nA);
  assert.equal(nb.responses["5xx"], 10 - nA);
  assert.equal(na.in_flight, 0);
  assert.equal(na.connect_failures, 0);
  assert.equal(na.ejected_until, null);
  assert.equal(na.latency.count, nA);
  assert.ok(na.latency.sum >= 0);
  const b = na.latency.buckets;
  assert.equal(b[b.length - 1].le, "+Inf");
  assert.equal(b[b.length - 1].count, nA);
  for (let i = 1; i < b.length; i++) assert.ok(b[i].count >= b[i - 1].count, "cumulative buckets");

  const m = await gw.admin("GET", "/metrics");
  assert.equal(m.status, 200);
  assert.match(String(m.headers["content-type"]), /^text\/plain/);
  assert.match(m.text, /^# HELP graylane_node_requests_total /m);
  assert.match(m.text, /^# TYPE graylane_node_requests_total counter$/m);
  assert.match(m.text, /^# TYPE graylane_node_upstream_latency_seconds histogram$/m);
  assert.ok(m.text.includes(`graylane_node_requests_total{service="st",node="${A}"} ${nA}\n`), m.text);
  assert.ok(m.text.includes(`graylane_node_responses_total{service="st",node="${B}",class="5xx"} ${10 - nA}\n`));
  assert.ok(m.text.includes(`graylane_node_upstream_latency_seconds_bucket{service="st",node="${A}",le="+Inf"} ${nA}\n`));
  assert.ok(m.text.includes(`graylane_node_upstream_latency_seconds_count{service="st",node="${A}"} ${nA}\n`));
  for (const line of m.text.trim().split("\n")) {
    assert.match(line, /^(# (HELP|TYPE) \w+ .+|\w+(\{[^}]*\})? [0-9.e+-]+)$/, line);
  }

  const s = await gw.admin("GET", "/v1/status");
  assert.equal(s.status, 200);
  assert.match(s.json.gateway_id, /^gw-[0-9a-f]{16}$/);
  assert.match(s.json.nginx_version, /^\d+\.\d+\.\d+$/);
  assert.equal(s.json.workers, 2);
  assert.deepEqual([...s.json.worker_pids].sort(), (await gw.workerPids()).sort());
  assert.ok(s.json.uptime >= 0);
  assert.equal(s.json.state_file, path.join(gw.stateDir, "state.json"));
  assert.equal(s.json.last_change.service, "st");
  assert.equal(s.json.last_change.action, "PUT /v1/upstreams/st");
  assert.ok(Math.abs(s.json.last_change.at - Date.now() / 1000) < 60);
  assert.equal(s.json.services, (await gw.admin("GET", "/v1/upstreams")).json.upstreams.length);
  // the snapshot on disk holds what the API says
  const snap = JSON.parse(await fs.readFile(s.json.state_file, "utf8"));
  const st = snap.services.find((x: { name: string }) => x.name === "st");
  assert.deepEqual(st.nodes.map((n: { addr: string }) => n.addr), [A, B]);
  // ?service= walks only that service; the document has the same shape
  await gw.put("st-other", { nodes: [{ addr: C }] });
  const one = (await gw.admin("GET", "/v1/stats?service=st")).json;
  assert.deepEqual(Object.keys(one).sort(), Object.keys(stats).sort());
  assert.deepEqual(one.services.map((x: { name: string }) => x.name), ["st"]);
  assert.equal(one.services[0].nodes[0].requests, nA);
  assert.ok((await gw.admin("GET", "/v1/stats")).json.services.some((x: { name: string }) => x.name === "st-other"));
  assert.deepEqual((await gw.admin("GET", "/v1/stats?service=nosuch")).json.services, []);
  const badSvc = await gw.admin("GET", "/v1/stats?service=..");
  assert.equal(badSvc.status, 400);
  assert.equal(badSvc.json.error.code, "invalid_name");
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/st-other")).status, 200);
});
