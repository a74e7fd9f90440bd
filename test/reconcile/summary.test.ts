// The reconciler reads a summary, not every service document (issue 15): GET /v1/summary on a
// real gateway, and what a pass asks of it, counted by a pass-through proxy in front of its
// admin API. At rest a pass reads the summary only; a service changed on the gateway behind
// the portal's back — a forced write, or its state file edited before a restart — is fetched,
// shown as drift and repaired exactly as when every document was read.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SYSTEM_ACTOR } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { reconcileOnce } from "@/lib/reconcile/reconcile";
import { getServiceDetail } from "@/lib/services/live";
import { loadDesired } from "@/lib/services/read";
import { diffState } from "@/lib/services/state";
import { freePort } from "../../scripts/lib/net";
import { fleet, type TestGateway } from "../portal/helpers";

let db: Db;
let stopFleet: () => Promise<void>;
let gw: TestGateway;
let client: GatewayClient;
let proxy: http.Server;
/** "METHOD path" of every call the portal made through the proxy. */
const calls: string[] = [];

before(async () => {
  const f = await fleet(["gw-1"], ["alpha", "beta", "gamma"]);
  ({ db, stop: stopFleet } = f);
  [gw] = f.gateways;
  client = createGatewayClient({ adminUrl: gw.adminUrl, token: gw.token });
  const target = new URL(gw.adminUrl);
  const port = await freePort();
  proxy = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(port, "127.0.0.1", r));
  await db.gateway.update({ where: { id: gw.id }, data: { adminUrl: `http://127.0.0.1:${port}` } });
});

after(async () => {
  await new Promise((r) => proxy?.close(r));
  await stopFleet?.();
});

/** A call as a script makes it: the token, no manager header. */
async function direct(method: string, p: string, body?: unknown): Promise<number> {
  const res = await fetch(gw.adminUrl + p, {
    method,
    headers: { authorization: `Bearer ${gw.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

async function pass() {
  calls.length = 0;
  const report = await reconcileOnce(db, SYSTEM_ACTOR, { settleMs: 0 });
  assert.equal(report.failures, 0, JSON.stringify(report.gateways));
  return { report, calls: [...calls], repaired: report.gateways[0].repaired.map((r) => `${r.service}:${r.drift}:${r.ok}`) };
}

describe("GET /v1/summary", () => {
  it("lists each service's revision, version and the digest of its document; any write, and only a write, gives a new digest", async () => {
    const first = await client.getSummary();
    assert.deepEqual(first.map((s) => [s.name, s.revision, s.version]), [["alpha", 1, 1], ["beta", 1, 1], ["gamma", 1, 1]]);
    for (const s of first) assert.match(s.digest, /^[0-9a-f]{32}$/);
    assert.equal(new Set(first.map((s) => s.digest)).size, 3);
    await client.getUpstream("alpha");
    await client.getUpstreams();
    assert.deepEqual(await client.getSummary(), first, "reads change nothing");
    // The brief's call, forced past managed_by: same revision, another document.
    assert.equal(await direct("GET", "/upstream_add?upstream=alpha&server=127.0.0.1:8090&force=1"), 200);
    const next = await client.getSummary();
    assert.equal(next[0].revision, 1);
    assert.equal(next[0].version, 2);
    assert.notEqual(next[0].digest, first[0].digest);
    assert.deepEqual(next.slice(1), first.slice(1));
    assert.equal(await direct("GET", "/v1/summary?x=1"), 200);
    assert.equal(await direct("POST", "/v1/summary"), 405);
    const res = await fetch(`${gw.adminUrl}/v1/summary`);
    assert.equal(res.status, 401, "the admin token is required");
  });
});

describe("a pass reads the summary", () => {
  it("repairs the forced change above, then at rest reads the summary only", async () => {
    const detail = await getServiceDetail(db, "alpha");
    assert.equal(detail!.gateways[0].drift?.kind, "content");
    const first = await pass();
    assert.deepEqual(first.repaired, ["alpha:content:true"]);
    assert.ok(!first.calls.includes("GET /v1/upstreams"), `the documents that changed, not the list: ${first.calls.join(", ")}`);
    assert.equal(diffState((await loadDesired(db, "alpha"))!, await client.getUpstream("alpha")).kind, "in_sync");
    // The repaired document is compared once more (its new digest), then never again at rest.
    const second = await pass();
    assert.deepEqual(second.repaired, []);
    assert.deepEqual(second.calls, ["GET /v1/summary", "GET /v1/upstreams/alpha"]);
    for (let i = 0; i < 2; i++) {
      const rest = await pass();
      assert.deepEqual(rest.calls, ["GET /v1/summary"]);
      assert.equal(rest.report.gateways[0].inSync, 3);
    }
  });

  it("a forced node change behind the portal's back: only that document is read, shown as drift naming it, and repaired", async () => {
    assert.equal(await direct("PATCH", "/v1/upstreams/beta/nodes/127.0.0.1:8082?force=1", { weight: 9 }), 200);
    const g = (await getServiceDetail(db, "beta"))!.gateways[0];
    assert.equal(g.drift?.kind, "content");
    assert.deepEqual(g.drift?.changes.map((c) => c.kind), ["node"]);
    const { calls: seen, repaired } = await pass();
    assert.deepEqual(repaired, ["beta:content:true"]);
    assert.deepEqual(seen.filter((c) => c.startsWith("GET")).slice(0, 2), ["GET /v1/summary", "GET /v1/upstreams/beta"]);
    assert.ok(seen.every((c) => !/alpha|gamma/.test(c)), seen.join(", "));
    assert.ok(seen.includes("PUT /v1/upstreams/beta"));
    const ev = await db.auditEvent.findFirstOrThrow({ where: { action: "service.sync", serviceName: "beta" }, orderBy: { id: "desc" } });
    assert.equal(ev.reason, "changed on gateway directly");
    assert.equal((await client.getUpstream("beta"))?.nodes.find((n) => n.addr === "127.0.0.1:8082")?.weight, 1);
  });

  it("a state file edited while the gateway was down (same version, other content) is still drift, and repaired", async () => {
    await pass(); // beta compared once more after its repair
    assert.deepEqual((await pass()).calls, ["GET /v1/summary"]);
    await gw.stop();
    const file = path.join(gw.stateDir, "state.json");
    const snapshot = JSON.parse(readFileSync(file, "utf8")) as { services: { name: string; version: number; nodes: { weight: number }[] }[] };
    const gamma = snapshot.services.find((s) => s.name === "gamma")!;
    const version = gamma.version;
    gamma.nodes[0].weight = 42;
    writeFileSync(file, JSON.stringify(snapshot));
    await gw.restart();
    const live = (await client.getUpstream("gamma"))!;
    assert.equal(live.version, version, "the version alone cannot tell");
    assert.equal(live.nodes[0].weight, 42);
    const { calls: seen, repaired } = await pass();
    assert.deepEqual(repaired, ["gamma:content:true"]);
    assert.ok(seen.includes("GET /v1/upstreams/gamma") && !seen.includes("GET /v1/upstreams/alpha"), seen.join(", "));
    assert.equal((await client.getUpstream("gamma"))?.nodes[0].weight, 1);
  });
});
