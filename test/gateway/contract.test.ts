// The shared contract on the gateway side (issue 10): one node limit on every
// write path, per-service snapshot recovery (quarantine), services managed by
// the portal, and input hygiene (HEAD, IPv6, service names).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs/promises";
import path from "node:path";
import { gateway, backends, tempDir, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import type { BackendsHandle } from "../../scripts/lib/backends";

const LIMIT = 512;

let gw: TestGateway;
let be: BackendsHandle;
let A: string, B: string;

withGateway(2, { workers: 2 }, (g, b) => {
  gw = g;
  be = b;
  [A, B] = be.addrs;
});

const nodes = (n: number, start = 0) => Array.from({ length: n }, (_, i) => ({ addr: `10.${(start + i) >> 8}.${(start + i) & 255}.1:80` }));

function assertTooMany(r: { status: number; text: string; json: { error: { code: string; field: string; message: string } } }, what: string) {
  assert.equal(r.status, 409, `${what}: ${r.text}`);
  assert.equal(r.json.error.code, "too_many_nodes", what);
  assert.equal(r.json.error.field, "nodes", what);
  assert.match(r.json.error.message, new RegExp(`limit ${LIMIT}\\b`), what);
}

test("node limit: 700 /upstream_add calls are refused past 512 with too_many_nodes, and the service stays usable", async () => {
  let refused = 0;
  for (let i = 0; i < 700; i++) {
    const r = await gw.admin("GET", `/upstream_add?upstream=many&server=10.${i >> 8}.${i & 255}.1:80`);
    if (i < LIMIT) assert.equal(r.status, 200, `call ${i}: ${r.text}`);
    else {
      assertTooMany(r, `upstream_add ${i}`);
      refused++;
    }
  }
  assert.equal(refused, 700 - LIMIT);
  const st = (await gw.admin("GET", "/v1/upstreams/many")).json;
  assert.equal(st.nodes.length, LIMIT);
  assert.equal(st.version, LIMIT, "refused calls did not bump the version");
  // the gateway can still re-PUT its own state (it could not before: 700 > the PUT limit)
  const again = await gw.admin("PUT", "/v1/upstreams/many", st);
  assert.equal(again.status, 200, again.text);
  // POST, PUT and PATCH on the same limit
  assertTooMany(await gw.admin("POST", "/v1/upstreams/many/nodes", { addr: "10.99.0.1:80" }), "POST");
  assertTooMany(await gw.admin("PUT", "/v1/upstreams/many2", { nodes: nodes(LIMIT + 1) }), "PUT");
  assert.equal((await gw.admin("PATCH", `/v1/upstreams/many/nodes/10.0.0.1:80`, { weight: 2 })).status, 200, "PATCH at the limit is fine");
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/many")).status, 200);
});

test("snapshot recovery: a bad service is quarantined, every other one loads after a restart", async () => {
  const stateDir = await tempDir("state");
  let g = await gateway({ stateDir, workers: 1 });
  try {
    await g.put("good1", { nodes: [{ addr: A }], revision: 3 });
    await g.put("good2", { nodes: [{ addr: B, weight: 4 }] });
  } finally {
    await g.stop();
  }
  const file = path.join(stateDir, "state.json");
  const snap = JSON.parse(await fs.readFile(file, "utf8"));
  const tooBig = { name: "huge", version: 9, algorithm: "round_robin", nodes: nodes(700), gray: { cidrs: [], percent: 0 }, health: {} };
  const badAddr = { name: "badaddr", version: 2, nodes: [{ addr: "[1.2::3]:80" }] };
  const dot = { name: "..", version: 1, nodes: [{ addr: A }] };
  snap.services.push(tooBig, badAddr, dot);
  await fs.writeFile(file, JSON.stringify(snap));

  g = await gateway({ stateDir, workers: 1 });
  try {
    const names = (await g.admin("GET", "/v1/upstreams")).json.upstreams.map((u: { name: string }) => u.name);
    assert.deepEqual(names, ["good1", "good2"]);
    assert.equal((await g.proxy("/", { host: "good1" })).json.addr, A);
    assert.equal((await g.admin("GET", "/v1/upstreams/good1")).json.revision, 3);

    const status = (await g.admin("GET", "/v1/status")).json;
    assert.deepEqual(status.quarantined.map((q: { name: string }) => q.name), ["huge", "badaddr", ".."]);
    const [qHuge, qBad, qDot] = status.quarantined;
    assert.match(qHuge.reason, /too_many_nodes|limit 512/);
    assert.match(qBad.reason, /IPv6/);
    assert.match(qDot.reason, /name/);
    for (const q of status.quarantined) {
      assert.equal(path.dirname(q.file), path.join(stateDir, "state.quarantine"));
      assert.match(path.basename(q.file), /\.\d{8}T\d{6}Z(-\d+)?\.json$/);
    }
    assert.ok(!qDot.file.includes("/../"), "an unsafe name never becomes a path");
    const kept = JSON.parse(await fs.readFile(qHuge.file, "utf8"));
    // kept as it was (lua-cjson cannot tell an empty array from an empty object, so compare the rest)
    assert.deepEqual({ ...kept.service, gray: undefined }, { ...tooBig, gray: undefined }, "the quarantined service is kept");
    assert.equal(typeof kept.reason, "string");

    const log = await fs.readFile(g.errorLog, "utf8");
    assert.match(log, /\[error\].*service huge of .*state\.json is invalid .*quarantined to /);
    const metrics = (await g.admin("GET", "/metrics")).text;
    assert.match(metrics, /^graylane_quarantined_services 3$/m);
    // the snapshot now holds exactly what loaded; the bad ones live in their files
    const after = JSON.parse(await fs.readFile(file, "utf8"));
    assert.deepEqual(after.services.map((s: { name: string }) => s.name), ["good1", "good2"]);
  } finally {
    await g.stop();
  }
  // the next restart loads the same two services and quarantines nothing new
  g = await gateway({ stateDir, workers: 1 });
  try {
    assert.deepEqual((await g.admin("GET", "/v1/upstreams")).json.upstreams.map((u: { name: string }) => u.name), ["good1", "good2"]);
    assert.deepEqual((await g.admin("GET", "/v1/status")).json.quarantined, []);
    assert.equal((await fs.readdir(path.join(stateDir, "state.quarantine"))).length, 3);
  } finally {
    await g.stop();
  }
});

// ------------------------------------------------------------ managed services

const PORTAL = { "x-graylane-manager": "portal" };

async function managed(name: string) {
  const r = await gw.admin("PUT", `/v1/upstreams/${name}`, { nodes: [{ addr: A }, { addr: B }], revision: 7, managed_by: "portal" }, PORTAL);
  assert.ok(r.status === 200 || r.status === 201, r.text);
  assert.equal(r.json.managed_by, "portal");
  return r.json;
}

function assertManaged(r: { status: number; text: string; json: { error: { code: string; message: string } } }, what: string) {
  assert.equal(r.status, 409, `${what}: ${r.text}`);
  assert.equal(r.json.error.code, "managed_by_portal", what);
  assert.match(r.json.error.message, /managed by the Graylane portal.*\/api\/v1\/.*force=1/, what);
}

test("managed services: every direct write is refused with 409 managed_by_portal and changes nothing", async () => {
  const before = await managed("mg");
  const writes: [string, string, unknown?][] = [
    ["PUT", "/v1/upstreams/mg", { nodes: [{ addr: A }] }],
    ["DELETE", "/v1/upstreams/mg"],
    ["POST", "/v1/upstreams/mg/nodes", { addr: "10.9.9.9:80" }],
    ["PATCH", `/v1/upstreams/mg/nodes/${B}`, { weight: 9 }],
    ["DELETE", `/v1/upstreams/mg/nodes/${B}`],
    ["GET", "/upstream_add?upstream=mg&server=10.9.9.9:80"],
    ["GET", `/upstream_remove?upstream=mg&server=${B}`],
  ];
  for (const [method, p, body] of writes) {
    assertManaged(await gw.admin(method, p, body), `${method} ${p}`);
    // a different manager is refused as well
    assertManaged(await gw.admin(method, p, body, { "x-graylane-manager": "someone-else" }), `${method} ${p} (other manager)`);
  }
  const now = (await gw.admin("GET", "/v1/upstreams/mg")).json;
  assert.deepEqual(now, before);
  // reads still work
  assert.equal((await gw.admin("GET", "/upstream_list?upstream=mg")).status, 200);
});

test("managed services: /upstream_remove without upstream touching a managed service changes nothing at all", async () => {
  await managed("mg-all");
  const X = "10.77.0.1:80";
  assert.equal((await gw.admin("GET", `/upstream_add?upstream=free-a&server=${X}`)).status, 200);
  assert.equal((await gw.admin("GET", `/upstream_add?upstream=free-a&server=${A}`)).status, 200);
  assert.equal((await gw.admin("POST", "/v1/upstreams/mg-all/nodes", { addr: X }, PORTAL)).status, 201);
  const before = (await gw.admin("GET", "/v1/upstreams")).json;
  assertManaged(await gw.admin("GET", `/upstream_remove?server=${X}`), "remove everywhere");
  assert.deepEqual((await gw.admin("GET", "/v1/upstreams")).json, before, "free-a kept its node too");
  // forced: removed from both, the managed one keeps managed_by and revision
  const forced = await gw.admin("GET", `/upstream_remove?server=${X}&force=1`);
  assert.equal(forced.status, 200, forced.text);
  assert.deepEqual(forced.json.removed_from.map((x: { upstream: string }) => x.upstream).sort(), ["free-a", "mg-all"]);
  const m = (await gw.admin("GET", "/v1/upstreams/mg-all")).json;
  assert.equal(m.managed_by, "portal");
  assert.equal(m.revision, 7);
  for (const n of ["mg-all", "free-a"]) await gw.admin("DELETE", `/v1/upstreams/${n}?force=1`);
});

test("managed services: the manager's header or force is allowed; force keeps managed_by and revision", async () => {
  await managed("mg2");
  // the manager itself (the portal's client sends the header on every write)
  const post = await gw.admin("POST", "/v1/upstreams/mg2/nodes", { addr: "10.8.0.1:80" }, PORTAL);
  assert.equal(post.status, 201, post.text);
  const patch = await gw.admin("PATCH", `/v1/upstreams/mg2/nodes/10.8.0.1:80`, { weight: 3 }, PORTAL);
  assert.equal(patch.status, 200, patch.text);
  assert.equal((await gw.admin("GET", "/upstream_add?upstream=mg2&server=10.8.0.2:80", undefined, PORTAL)).status, 200);
  assert.equal((await gw.admin("GET", "/upstream_remove?upstream=mg2&server=10.8.0.2:80", undefined, PORTAL)).status, 200);
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/mg2/nodes/10.8.0.1:80", undefined, PORTAL)).status, 200);

  // forced by someone else: applied, but the service stays the portal's at the same revision (drift)
  const fput = await gw.admin("PUT", "/v1/upstreams/mg2?force=1", { nodes: [{ addr: A }], revision: 999999 });
  assert.equal(fput.status, 200, fput.text);
  assert.deepEqual(fput.json.nodes.map((n: { addr: string }) => n.addr), [A]);
  assert.equal(fput.json.managed_by, "portal");
  assert.equal(fput.json.revision, 7);
  const fbody = await gw.admin("PUT", "/v1/upstreams/mg2", { nodes: [{ addr: B }], managed_by: null, force: true });
  assert.equal(fbody.status, 200, fbody.text);
  assert.equal(fbody.json.managed_by, "portal");
  for (const [method, p, body] of [
    ["POST", "/v1/upstreams/mg2/nodes?force=1", { addr: "10.8.1.1:80" }],
    ["PATCH", "/v1/upstreams/mg2/nodes/10.8.1.1:80", { weight: 5, force: true }],
    ["DELETE", "/v1/upstreams/mg2/nodes/10.8.1.1:80?force=true"],
    ["GET", "/upstream_add?upstream=mg2&server=10.8.1.2:80&force=1"],
    ["GET", "/upstream_remove?upstream=mg2&server=10.8.1.2:80&force=1"],
  ] as [string, string, unknown?][]) {
    const r = await gw.admin(method, p, body);
    assert.equal(r.status < 300, true, `${method} ${p}: ${r.text}`);
  }
  const st = (await gw.admin("GET", "/v1/upstreams/mg2")).json;
  assert.equal(st.managed_by, "portal");
  assert.equal(st.revision, 7);
  // the manager's own PUT sets managed_by from its body: it may hand the service back
  const release = await gw.admin("PUT", "/v1/upstreams/mg2", { nodes: [{ addr: A }], revision: 8 }, PORTAL);
  assert.equal(release.status, 200, release.text);
  assert.equal(release.json.managed_by, undefined);
  assert.equal((await gw.admin("POST", "/v1/upstreams/mg2/nodes", { addr: B })).status, 201, "unmanaged again");
  // forced DELETE of a managed service
  await managed("mg3");
  assertManaged(await gw.admin("DELETE", "/v1/upstreams/mg3"), "delete");
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/mg3?force=1")).status, 200);
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/mg2")).status, 200);
});

test("managed_by survives a restart (it is part of the snapshot) and is validated", async () => {
  const bad = await gw.admin("PUT", "/v1/upstreams/mgv", { nodes: [{ addr: A }], managed_by: "has space" });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_managed_by");
  const stateDir = await tempDir("state");
  let g = await gateway({ stateDir, workers: 1 });
  try {
    await g.admin("PUT", "/v1/upstreams/keepmg", { nodes: [{ addr: A }], managed_by: "portal", revision: 5 }, PORTAL);
  } finally {
    await g.stop();
  }
  g = await gateway({ stateDir, workers: 1 });
  try {
    const st = (await g.admin("GET", "/v1/upstreams/keepmg")).json;
    assert.equal(st.managed_by, "portal");
    assertManaged(await g.admin("GET", `/upstream_remove?upstream=keepmg&server=${A}`), "after restart");
  } finally {
    await g.stop();
  }
});

// ------------------------------------------------------------------ hygiene

test("HEAD on /upstream_add and /upstream_remove changes nothing (405, GET only)", async () => {
  await gw.put("headsvc", { nodes: [{ addr: A }, { addr: B }] });
  const add = await gw.admin("HEAD", `/upstream_add?upstream=headsvc&server=10.5.5.5:80`);
  assert.equal(add.status, 405);
  assert.equal(add.headers.allow, "GET");
  const rm = await gw.admin("HEAD", `/upstream_remove?upstream=headsvc&server=${B}`);
  assert.equal(rm.status, 405);
  const st = (await gw.admin("GET", "/v1/upstreams/headsvc")).json;
  assert.equal(st.version, 1);
  assert.deepEqual(st.nodes.map((n: { addr: string }) => n.addr), [A, B]);
  // HEAD on reads is still fine
  assert.equal((await gw.admin("HEAD", "/upstream_list?upstream=headsvc")).status, 200);
  await gw.admin("DELETE", "/v1/upstreams/headsvc");
});

test("IPv6: invalid addresses are refused, valid ones canonicalised", async () => {
  const invalid = [
    "[1.2::3]:80", "[::1.2]:80", "[1::2::3]:80", "[12345::1]:80", "[:1::]:80", "[1::2:]:80", "[1:2:3:4:5:6:7:8:9]:80",
    "[1:2:3:4:5:6:7]:80", "[::g]:80", "[1:2:3:4:5:6:7:1.2.3.4]:80", "[::1.2.3.256]:80", "[::01.2.3.4]:80",
    "[]:80", "[:]:80", "[:::]:80", "[1:2:3:4:5:6:7:8::]:80", "[-1::]:80", "[+1::]:80", "[0x1::]:80", "[ ::1]:80",
  ];
  for (const addr of invalid) {
    const r = await gw.admin("PUT", "/v1/upstreams/v6", { nodes: [{ addr }] });
    assert.equal(r.status, 400, `${addr} -> ${r.text}`);
    assert.equal(r.json.error.code, "invalid_addr", addr);
    const b = await gw.admin("GET", `/upstream_add?upstream=v6&server=${encodeURIComponent(addr)}`);
    assert.equal(b.status, 400, `upstream_add ${addr} -> ${b.text}`);
  }
  assert.equal((await gw.admin("GET", "/v1/upstreams/v6")).status, 404, "nothing was created");
  const valid: [string, string][] = [
    ["[::1]:80", "[::1]:80"],
    ["[::]:80", "[::]:80"],
    ["[1::]:80", "[1::]:80"],
    ["[2001:DB8:0:0:0:0:0:1]:80", "[2001:db8::1]:80"],
    ["[2001:db8:0:0:1:0:0:1]:80", "[2001:db8::1:0:0:1]:80"],
    ["[1:2:3:4:5:6:7::]:80", "[1:2:3:4:5:6:7:0]:80"],
    ["[::ffff:10.0.0.1]:80", "[::ffff:a00:1]:80"],
    ["[fd80::1:2:3:4]:443", "[fd80::1:2:3:4]:443"],
    ["[0001:0002:0003:0004:0005:0006:0007:0008]:80", "[1:2:3:4:5:6:7:8]:80"],
  ];
  const r = await gw.admin("PUT", "/v1/upstreams/v6", { nodes: valid.map(([addr]) => ({ addr })) });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.nodes.map((n: { addr: string }) => n.addr), valid.map(([, c]) => c));
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/v6")).status, 200);
});

test("service names . and .. (and other leading dots) are refused everywhere", async () => {
  for (const name of [".", "..", ".hidden"]) {
    const enc = encodeURIComponent(name).replace(/\./g, "%2E");
    // nginx folds "." and ".." path segments before Lua sees them: some other route refuses it
    const put = await gw.admin("PUT", `/v1/upstreams/${enc}`, { nodes: [{ addr: A }] });
    assert.ok(put.status >= 400 && put.status < 500, `${name}: ${put.text}`);
    const add = await gw.admin("GET", `/upstream_add?upstream=${enc}&server=${A}`);
    assert.equal(add.status, 400, `${name}: ${add.text}`);
    assert.equal(add.json.error.code, "invalid_name");
  }
  const body = await gw.admin("PUT", "/v1/upstreams/ok-name", { name: "..", nodes: [{ addr: A }] });
  assert.equal(body.status, 400);
  // dots inside a name are fine
  assert.equal((await gw.admin("PUT", "/v1/upstreams/a.b..c", { nodes: [{ addr: A }] })).status, 201);
  assert.equal((await gw.admin("DELETE", "/v1/upstreams/a.b..c")).status, 200);
  assert.deepEqual((await gw.admin("GET", "/v1/upstreams")).json.upstreams.filter((u: { name: string }) => u.name.startsWith(".")), []);
});

test("gray percent: at most two decimals, like the portal", async () => {
  const bad = await gw.admin("PUT", "/v1/upstreams/pct", { nodes: [{ addr: A }], gray: { percent: 12.345 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_percent");
  const ok = await gw.admin("PUT", "/v1/upstreams/pct", { nodes: [{ addr: A }], gray: { percent: 12.34 } });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.gray.percent, 12.34);
  await gw.admin("DELETE", "/v1/upstreams/pct");
});

test("admin reads of a 1,024-node fleet: whole documents, sent in chunks, rendered once for every worker, never stale across a change", async () => {
  const g = await gateway({ workers: 2 });
  try {
    for (const s of ["big0", "big1"]) assert.equal((await g.admin("PUT", `/v1/upstreams/${s}`, { nodes: nodes(LIMIT, s === "big0" ? 0 : LIMIT) })).status, 201);
    await g.put("small", { nodes: [{ addr: A }] });
    for (let i = 0; i < 5; i++) assert.equal((await g.proxy("/", { host: "small" })).status, 200);
    const first = await g.admin("GET", "/v1/stats");
    assert.equal(first.status, 200);
    assert.equal(Number(first.headers["content-length"]), Buffer.byteLength(first.text), "sent whole");
    assert.deepEqual(first.json.services.map((s: { name: string; nodes: unknown[] }) => [s.name, s.nodes.length]), [["big0", LIMIT], ["big1", LIMIT], ["small", 1]]);
    // the next reads (either worker) get the same rendering while it is fresh
    const again = await Promise.all([1, 2, 3, 4].map(() => g.admin("GET", "/v1/stats")));
    assert.ok(again.some((r) => r.json.generated_at === first.json.generated_at), "served from the shared cache");
    for (const r of again) assert.equal(r.json.services.length, 3);
    // ?service= is rendered on the spot and bounded by one service
    const one = await g.admin("GET", "/v1/stats?service=small");
    assert.ok(one.json.generated_at >= first.json.generated_at);
    assert.equal(one.json.services[0].nodes[0].requests >= 0, true);
    const m = await g.admin("GET", "/metrics");
    assert.equal(m.status, 200);
    assert.equal(Number(m.headers["content-length"]), Buffer.byteLength(m.text));
    assert.equal(m.text.split("\n").filter((l) => l.startsWith("graylane_node_requests_total{")).length, 2 * LIMIT + 1);
    assert.match(m.text, /^graylane_quarantined_services 0$/m);
    const list = await g.admin("GET", "/v1/upstreams");
    assert.deepEqual(list.json.upstreams.map((u: { name: string; nodes: unknown[] }) => u.nodes.length), [LIMIT, LIMIT, 1]);
    assert.equal(list.json.upstreams[2].nodes[0].addr, A);
    // the list shows the configuration: kept for a big fleet, but never across a change
    await g.put("small", { nodes: [{ addr: B }] });
    for (let i = 0; i < 4; i++) {
      const l = (await g.admin("GET", "/v1/upstreams")).json.upstreams;
      assert.equal(l[2].nodes[0].addr, B, "a change is visible at once");
      assert.equal(l[2].version, 2);
    }
  } finally {
    await g.stop();
  }
});

test("link-local node addresses (cloud metadata) are refused on every write path unless the gateway allows them", async () => {
  const bad = ["169.254.169.254:80", "[fe80::1]:80", "[FEBF::1]:8080", "[fe80:0:0:0:0:0:0:0]:1", "[::ffff:169.254.169.254]:80"];
  for (const addr of bad) {
    const put = await gw.admin("PUT", "/v1/upstreams/ll", { nodes: [{ addr: A }, { addr }] });
    assert.equal(put.status, 400, `PUT ${addr}: ${put.text}`);
    assert.match(put.json.error.field ?? "", /addr/, `PUT ${addr}: field`);
    assert.match(put.json.error.message, /link-local/);
    await gw.put("ll", { nodes: [{ addr: A }] });
    const post = await gw.admin("POST", "/v1/upstreams/ll/nodes", { addr });
    assert.equal(post.status, 400, `POST ${addr}: ${post.text}`);
    const add = await gw.admin("GET", `/upstream_add?upstream=ll&server=${encodeURIComponent(addr)}`);
    assert.equal(add.status, 400, `/upstream_add ${addr}: ${add.text}`);
    const got = await gw.admin("GET", "/v1/upstreams/ll");
    assert.deepEqual(got.json.nodes.map((n: { addr: string }) => n.addr), [A], "nothing changed");
  }
  // neighbours of the ranges stay valid
  for (const addr of ["169.253.1.1:80", "169.255.1.1:80", "[fec0::1]:80", "[fe7f::1]:80", "[::ffff:169.253.1.1]:80", "[::fffe:a9fe:101]:80"]) {
    const r = await gw.admin("POST", "/v1/upstreams/ll/nodes", { addr });
    assert.equal(r.status, 201, `POST ${addr}: ${r.text}`);
  }
  const stateDir = await tempDir("ll-state");
  const allowing = await gateway({ workers: 1, allowLinkLocal: true, stateDir });
  try {
    const r = await allowing.admin("PUT", "/v1/upstreams/ll", { nodes: [{ addr: A }, { addr: "169.254.169.254:80" }, { addr: "[fe80::1]:80" }] });
    assert.ok(r.status === 200 || r.status === 201, r.text);
  } finally {
    await allowing.stop();
  }
  // Refusing applies to nodes being added: a node stored while it was allowed still loads,
  // still routes, can stay in a re-PUT of its service and can be removed.
  const strict = await gateway({ workers: 1, stateDir });
  try {
    const got = await strict.admin("GET", "/v1/upstreams/ll");
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.nodes.length, 3);
    const again = await strict.admin("PUT", "/v1/upstreams/ll", { ...got.json, algorithm: "least_conn" });
    assert.equal(again.status, 200, again.text);
    const del = await strict.admin("DELETE", `/v1/upstreams/ll/nodes/${encodeURIComponent("169.254.169.254:80")}`);
    assert.equal(del.status, 200, del.text);
    const rm = await strict.admin("GET", `/upstream_remove?upstream=ll&server=${encodeURIComponent("[fe80::1]:80")}`);
    assert.equal(rm.status, 200, rm.text);
    assert.deepEqual((await strict.admin("GET", "/v1/upstreams/ll")).json.nodes.map((n: { addr: string }) => n.addr), [A]);
    assert.equal((await strict.proxy("/", { host: "ll" })).status, 200);
  } finally {
    await strict.stop();
  }
});
