// The database is the authority over the gateways (shared contracts #2 and #3), against a real
// PostgreSQL database and two real gateways:
// - a push over a gateway ahead of the database replaces it; a push a newer one superseded is
//   recorded as failed (code superseded), never as ok;
// - after a database restore from an older backup every gateway converges to the restored
//   desired state within one reconcile pass, audited as "gateway ahead of database";
// - a forced direct change of a managed service shows as drift naming the nodes and fields
//   that differ, and is repaired; unmanaged services can still be adopted, and are managed then.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { createDbClient } from "@/lib/db";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { reconcileOnce } from "@/lib/reconcile/reconcile";
import { SYSTEM_ACTOR } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { getServiceDetail, getServicesOverview } from "@/lib/services/live";
import { addNode, adoptService, createService, updateNode } from "@/lib/services/mutations";
import { putDesiredState, toOutcome } from "@/lib/services/push";
import { loadAllDesired, loadDesired } from "@/lib/services/read";
import { diffState, toGatewayState } from "@/lib/services/state";
import { createServiceSchema } from "@/lib/validations/node";
import { actor, fleet, type TestGateway } from "../portal/helpers";

const run = promisify(execFile);

let db: Db;
let url: string;
let stopFleet: () => Promise<void>;
let gw1: TestGateway;
let gw2: TestGateway;
let client1: GatewayClient;
let client2: GatewayClient;
const dumpDir = mkdtempSync(path.join(tmpdir(), "graylane-restore-"));

async function inSync(client: GatewayClient): Promise<boolean> {
  const live = new Map((await client.getUpstreams()).map((u) => [u.name, u]));
  return (await loadAllDesired(db)).every((d) => diffState(d, live.get(d.name)).kind === "in_sync");
}

async function revisionOf(service: string): Promise<number | null> {
  return (await db.service.findUnique({ where: { name: service }, select: { revision: true } }))?.revision ?? null;
}

/** A direct admin-API call as a script would make it: the token, no manager header. */
async function direct(gw: TestGateway, method: string, p: string, body?: unknown): Promise<{ status: number; json: { error?: { code?: string; message?: string } } }> {
  const res = await fetch(gw.adminUrl + p, {
    method,
    headers: { authorization: `Bearer ${gw.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {} };
}

before(async () => {
  const f = await fleet(["gw-1", "gw-2"], ["shop", "cart"]);
  ({ db, url, stop: stopFleet } = f);
  [gw1, gw2] = f.gateways;
  client1 = createGatewayClient({ adminUrl: gw1.adminUrl, token: gw1.token });
  client2 = createGatewayClient({ adminUrl: gw2.adminUrl, token: gw2.token });
});

after(async () => {
  await stopFleet?.();
  rmSync(dumpDir, { recursive: true, force: true });
});

describe("pushes and revisions", () => {
  it("a push over a gateway ahead of the database replaces it, and says so", async () => {
    const live = (await client1.getUpstream("shop"))!;
    await client1.putUpstream("shop", { ...live, revision: 999999 });
    const rev = (await revisionOf("shop"))!;
    const r = await updateNode(db, actor, { service: "shop", revision: rev, addr: "127.0.0.1:8081", weight: 4, force: false });
    const o1 = r.outcomes.find((o) => o.gatewayName === "gw-1")!;
    assert.equal(o1.ok, true);
    assert.match(o1.message, /ahead of database.*999999/);
    const after = await client1.getUpstream("shop");
    assert.equal(after?.revision, r.revision);
    assert.equal(after?.nodes.find((n) => n.addr === "127.0.0.1:8081")?.weight, 4);
  });

  it("a slow push that a newer one overtook is recorded as superseded, never as ok, and changes nothing", async () => {
    const older = (await loadDesired(db, "shop"))!;
    const r = await updateNode(db, actor, { service: "shop", revision: older.revision, addr: "127.0.0.1:8082", weight: 6, force: false });
    // The older push arrives after the newer one landed.
    const started = performance.now();
    const res = await putDesiredState(client1, toGatewayState(older), () => revisionOf("shop"));
    assert.deepEqual(res.superseded, { live: r.revision, current: r.revision });
    const outcome = toOutcome({ gatewayId: gw1.id, gatewayName: "gw-1", ok: true, value: res, durationMs: Math.round(performance.now() - started) });
    assert.equal(outcome.ok, false);
    assert.equal(outcome.code, "superseded");
    assert.equal((await client1.getUpstream("shop"))?.nodes.find((n) => n.addr === "127.0.0.1:8082")?.weight, 6);
  });
});

describe("database restored from an older backup", () => {
  it("every gateway converges to the restored desired state within one pass, audited as ahead of the database", async () => {
    const backup = path.join(dumpDir, "backup.sql");
    await run("pg_dump", ["--clean", "--if-exists", "--no-owner", "-f", backup, url]);
    const restored = new Map((await loadAllDesired(db)).map((s) => [s.name, s]));

    // Life goes on after the backup: more changes, pushed to both gateways.
    for (let i = 0; i < 3; i++) {
      await updateNode(db, actor, { service: "cart", revision: (await revisionOf("cart"))!, addr: "127.0.0.1:8081", weight: 10 + i, force: false });
    }
    await addNode(db, actor, { service: "shop", revision: (await revisionOf("shop"))!, node: { addr: "127.0.0.1:8083", weight: 1, state: "gray", backup: false, note: "" }, force: false });
    await createService(db, actor, createServiceSchema.parse({ name: "later", nodes: [{ addr: "127.0.0.1:8084" }] }));
    for (const c of [client1, client2]) {
      assert.ok((await c.getUpstream("cart"))!.revision! > restored.get("cart")!.revision);
      assert.ok((await c.getUpstream("shop"))!.revision! > restored.get("shop")!.revision);
    }

    // The restore (the portal reconnects afterwards, as it would after a restart).
    await db.$disconnect();
    await run("psql", ["-q", "-v", "ON_ERROR_STOP=1", "-f", backup, url]);
    db = createDbClient(url);
    const eventsBefore = await db.auditEvent.count();
    assert.equal((await loadDesired(db, "cart"))?.revision, restored.get("cart")!.revision);

    const report = await reconcileOnce(db);
    assert.equal(report.failures, 0, JSON.stringify(report.gateways));
    for (const c of [client1, client2]) {
      assert.ok(await inSync(c), "gateway holds the restored desired state");
      assert.equal((await c.getUpstream("shop"))?.nodes.some((n) => n.addr === "127.0.0.1:8083"), false);
      assert.equal((await c.getUpstream("cart"))?.nodes.find((n) => n.addr === "127.0.0.1:8081")?.weight, restored.get("cart")!.nodes[0].weight);
    }
    const events = await db.auditEvent.findMany({ where: { id: { gt: BigInt(eventsBefore) } }, orderBy: { id: "asc" }, include: { outcomes: true } });
    // One event per gateway, listing both services it repaired.
    const repairs = events.filter((e) => e.action === "service.sync");
    assert.deepEqual(repairs.map((e) => e.targetName).sort(), ["gw-1", "gw-2"]);
    for (const e of repairs) {
      assert.equal(e.actorEmail, "system");
      assert.equal(e.actorRole, "SYSTEM");
      assert.equal(e.serviceName, null);
      assert.match(e.reason ?? "", /^2 repaired, 0 failed: gateway ahead of database$/);
      const listed = (e.before as { services: { service: string; drift: string; reason: string }[] }).services;
      assert.deepEqual(listed.map((s) => [s.service, s.drift, s.reason]).sort(), [["cart", "ahead", "gateway ahead of database"], ["shop", "ahead", "gateway ahead of database"]]);
      assert.deepEqual((e.after as { repaired: { service: string }[] }).repaired.map((r) => r.service).sort(), ["cart", "shop"]);
      assert.deepEqual(e.outcomes.map((o) => [o.gatewayName, o.ok, o.message.split(":")[0]]).sort(), [[e.targetName, true, "cart"], [e.targetName, true, "shop"]]);
    }
    // Converged: the next pass has nothing to do.
    const again = await reconcileOnce(db);
    assert.equal(again.repairs + again.failures, 0);
    // A service created after the backup is not deleted: listed as unknown to this database,
    // marked as a portal's.
    for (const c of [client1, client2]) assert.equal((await c.getUpstream("later"))?.nodes.length, 1);
    const later = (await getServicesOverview(db)).unmanaged.find((u) => u.name === "later");
    assert.deepEqual(later?.gateways.map((g) => [g.gatewayName, g.managedBy]), [["gw-1", "portal"], ["gw-2", "portal"]]);
  });
});

describe("managed services", () => {
  it("a forced direct change shows as drift naming the nodes and fields, and the reconciler repairs it", async () => {
    const refused = await direct(gw2, "GET", "/upstream_add?upstream=shop&server=127.0.0.1:8090");
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error?.code, "managed_by_portal");
    assert.match(refused.json.error?.message ?? "", /force/);

    assert.equal((await direct(gw2, "GET", "/upstream_add?upstream=shop&server=127.0.0.1:8090&force=1")).status, 200);
    assert.equal((await direct(gw2, "PATCH", "/v1/upstreams/shop/nodes/127.0.0.1:8082?force=1", { weight: 5 })).status, 200);

    const detail = await getServiceDetail(db, "shop");
    const g2 = detail!.gateways.find((g) => g.gatewayName === "gw-2")!;
    assert.equal(g2.drift?.kind, "content", "a forced change keeps the revision: same revision, other content");
    const desiredWeight = (await loadDesired(db, "shop"))!.nodes.find((n) => n.addr === "127.0.0.1:8082")!.weight;
    assert.deepEqual(g2.drift?.changes, [
      { kind: "node", addr: "127.0.0.1:8082", field: "weight", desired: desiredWeight, live: 5 },
      { kind: "node_extra", addr: "127.0.0.1:8090" },
    ]);
    assert.equal(detail!.gateways.find((g) => g.gatewayName === "gw-1")?.drift?.kind, "in_sync");

    await reconcileOnce(db, SYSTEM_ACTOR, { settleMs: 0 });
    assert.ok(await inSync(client2));
    const ev = await db.auditEvent.findFirst({ where: { action: "service.sync", serviceName: "shop" }, orderBy: { id: "desc" } });
    assert.equal(ev?.reason, "changed on gateway directly");
    assert.equal(ev?.targetName, "gw-2");
    assert.deepEqual((ev?.before as { services: { changes: unknown[] }[] }).services[0].changes.length, 2);
  });

  it("a service pushed before managed_by existed is marked on the next pass, audited as such", async () => {
    const live = (await client1.getUpstream("cart"))!;
    // As an older portal left it: same revision and content, no managed_by.
    await client1.deleteUpstream("cart");
    const { version: _v, managed_by: _m, ...old } = live;
    assert.equal((await direct(gw1, "PUT", "/v1/upstreams/cart", old)).status, 201);
    assert.equal((await client1.getUpstream("cart"))?.managed_by, null);
    await reconcileOnce(db, SYSTEM_ACTOR, { settleMs: 0 });
    assert.equal((await client1.getUpstream("cart"))?.managed_by, "portal");
    const ev = await db.auditEvent.findFirst({ where: { action: "service.sync", serviceName: "cart" }, orderBy: { id: "desc" } });
    assert.equal(ev?.reason, "not marked as managed by the portal");
    assert.deepEqual((ev?.before as { services: { fields: string[] }[] }).services[0].fields, ["managed_by"]);
  });

  it("an unmanaged service (the brief's API) is still adopted, and managed by the portal from then on", async () => {
    assert.equal((await direct(gw1, "GET", "/upstream_add?upstream=legacy&server=127.0.0.1:8095")).status, 200);
    assert.equal((await direct(gw1, "GET", "/upstream_add?upstream=legacy&server=127.0.0.1:8096")).status, 200, "unmanaged: the brief's calls work as before");
    const r = await adoptService(db, actor, { service: "legacy", gatewayId: gw1.id });
    assert.ok(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes));
    for (const c of [client1, client2]) assert.equal((await c.getUpstream("legacy"))?.managed_by, "portal");
    assert.equal((await direct(gw1, "GET", "/upstream_remove?upstream=legacy&server=127.0.0.1:8095")).status, 409);
    assert.deepEqual((await loadDesired(db, "legacy"))?.nodes.map((n) => n.addr), ["127.0.0.1:8095", "127.0.0.1:8096"]);
  });
});
