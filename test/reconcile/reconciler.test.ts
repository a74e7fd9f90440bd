// The reconciler against a real PostgreSQL database and two real gateways: gateways that
// come back empty, with an old state, with a state changed behind the portal's back or with
// a revision the database never issued are repaired within one interval, audited by the
// system; exactly one portal process reconciles.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import type { Db } from "@/lib/db";
import { addNode, createService, updateNode } from "@/lib/services/mutations";
import { loadAllDesired, loadDesired } from "@/lib/services/read";
import { diffState } from "@/lib/services/state";
import { createServiceSchema } from "@/lib/validations/node";
import { freshDatabase } from "../support/database";
import { actor, addGateway, putUnmanaged, type TestGateway } from "../portal/helpers";
import { sleep, until } from "../support/http";

const INTERVAL_MS = 500;

let db: Db;
let url: string;
let dropDb: () => Promise<void>;
let gwA: TestGateway;
let gwB: TestGateway;
let clientA: GatewayClient;
let clientB: GatewayClient;


/** True when every desired service is on the gateway exactly as desired. */
async function inSync(client: GatewayClient): Promise<boolean> {
  const live = new Map((await client.getUpstreams()).map((u) => [u.name, u]));
  return (await loadAllDesired(db)).every((d) => diffState(d, live.get(d.name)).kind === "in_sync");
}

before(async () => {
  const t = await freshDatabase();
  url = t.url;
  dropDb = t.stop;
  // The reconciler uses the portal's shared client (lib/db getDb), like in production.
  process.env.DATABASE_URL = url;
  const { getDb } = await import("@/lib/db");
  db = getDb();
  gwA = await addGateway(db, "gw-a");
  gwB = await addGateway(db, "gw-b");
  clientA = createGatewayClient({ adminUrl: gwA.adminUrl, token: gwA.token });
  clientB = createGatewayClient({ adminUrl: gwB.adminUrl, token: gwB.token });
  for (const name of ["shop", "cart"]) {
    await createService(db, actor, createServiceSchema.parse({ name, nodes: [{ addr: "127.0.0.1:18081" }, { addr: "127.0.0.1:18082", weight: 2 }] }));
  }
});

after(async () => {
  await gwA?.stop();
  await gwB?.stop();
  await db?.$disconnect();
  await dropDb?.();
});

describe("background reconciler", () => {
  let handle: import("@/lib/reconcile/runner").ReconcilerHandle;

  before(async () => {
    const { startReconciler } = await import("@/lib/reconcile/runner");
    handle = startReconciler({ databaseUrl: url, intervalMs: INTERVAL_MS });
    await until(async () => handle.isLeader(), 5000, "reconciler leads");
  });

  after(async () => {
    await handle?.stop();
  });

  it("repairs a gateway restarted with an empty state within one interval, audited by the system", async () => {
    const eventsBefore = await db.auditEvent.count({ where: { action: "service.sync" } });
    await gwB.restart({ freshState: true });
    const restartedAt = Date.now();
    assert.equal(await clientB.getUpstream("shop"), null, "gw-b starts empty");
    await until(() => inSync(clientB), INTERVAL_MS + 3000, "gw-b repaired");
    const took = Date.now() - restartedAt;
    // One interval plus the pass itself (the gateway start above already took some of it).
    assert.ok(took <= INTERVAL_MS + 2000, `repaired in ${took} ms`);

    // The pass's repairs of gw-b are one event, written once both pushes were seen to land.
    const repairs = await until(async () => {
      const events = await db.auditEvent.findMany({ where: { action: "service.sync" }, orderBy: { id: "asc" }, include: { outcomes: true } });
      const mine = events.slice(eventsBefore);
      return mine.length ? mine : null;
    }, 3000, "repairs recorded");
    assert.equal(repairs.length, 1);
    const [e] = repairs;
    assert.equal(e.actorEmail, "system");
    assert.equal(e.actorRole, "SYSTEM");
    assert.equal(e.actorId, null);
    assert.equal(e.targetType, "gateway");
    assert.equal(e.targetName, "gw-b");
    assert.equal(e.serviceName, null);
    assert.deepEqual((e.before as { services: { service: string; drift: string }[] }).services.map((s) => [s.service, s.drift]), [["cart", "missing"], ["shop", "missing"]]);
    assert.deepEqual((e.after as { repaired: { service: string }[]; failed: unknown[] }).repaired.map((r) => r.service), ["cart", "shop"]);
    assert.deepEqual((e.after as { failed: unknown[] }).failed, []);
    assert.deepEqual(e.outcomes.map((o) => [o.gatewayName, o.ok, o.message]).sort(), [["gw-b", true, "cart"], ["gw-b", true, "shop"]]);
    assert.ok(await inSync(clientA), "gw-a untouched and in sync");
    // In sync: the next passes push nothing.
    await sleep(INTERVAL_MS * 2);
    assert.equal(await db.auditEvent.count({ where: { action: "service.sync" } }), eventsBefore + 1);
  });

  it("a gateway down: the push records the failure, the other is updated, and it is repaired when it returns with its old state", async () => {
    await gwB.stop();
    const rev = (await loadDesired(db, "shop"))!.revision;
    const r = await addNode(db, actor, { service: "shop", revision: rev, node: { addr: "127.0.0.1:18083", weight: 1, state: "gray", backup: false, note: "" }, force: false });
    assert.deepEqual(r.outcomes.map((o) => [o.gatewayName, o.ok, o.code]), [["gw-a", true, null], ["gw-b", false, "gateway_unreachable"]]);
    assert.equal((await clientA.getUpstream("shop"))?.revision, r.revision);
    const failed = await db.gatewaySync.findFirst({ where: { gatewayId: gwB.id, service: { name: "shop" } } });
    assert.equal(failed?.ok, false);

    // The reconciler notices the gateway is down and says so on its row.
    await until(async () => (await db.gateway.findUnique({ where: { id: gwB.id } }))?.lastError?.includes("gateway_unreachable"), INTERVAL_MS * 4, "lastError recorded");

    await gwB.restart(); // same state dir: comes back with the old revision
    const stale = await clientB.getUpstream("shop");
    assert.ok(stale && stale.revision! < r.revision, "gw-b came back with the old state");
    await until(async () => (await clientB.getUpstream("shop"))?.revision === r.revision, INTERVAL_MS + 3000, "gw-b repaired");
    const live = await clientB.getUpstream("shop");
    assert.equal(live?.nodes.find((n) => n.addr === "127.0.0.1:18083")?.state, "gray");
    const sync = await until(async () => {
      const s = await db.gatewaySync.findFirst({ where: { gatewayId: gwB.id, service: { name: "shop" } } });
      return s?.ok ? s : null;
    }, 3000, "sync row ok");
    assert.equal(sync.pushedRevision, r.revision);
    assert.equal(sync.lastError, null);
    // The node.add event holds gw-b's failure; the repair ends that streak with one event.
    const ev = await until(async () => {
      const e = await db.auditEvent.findFirst({ where: { action: "service.sync", serviceName: "shop" }, orderBy: { id: "desc" }, include: { outcomes: true } });
      return (e?.before as { services?: { drift: string }[] } | null)?.services?.[0]?.drift === "revision" ? e : null;
    }, 3000, "repair audited");
    assert.equal(ev.actorEmail, "system");
    assert.deepEqual(ev.outcomes.map((o) => [o.gatewayName, o.ok]), [["gw-b", true]]);

    const { getGatewaySyncSummaries } = await import("@/lib/reconcile/status");
    const summary = (await getGatewaySyncSummaries(db)).find((s) => s.gatewayId === gwB.id)!;
    assert.equal(summary.status, "in_sync");
    assert.ok(summary.lastSuccessAt && Date.now() - Date.parse(summary.lastSuccessAt) < 10_000);
  });

  it("repairs a service changed on the gateway behind the portal's back, and leaves unmanaged services alone", async () => {
    const live = (await clientA.getUpstream("cart"))!;
    await clientA.putUpstream("cart", { ...live, nodes: live.nodes.map((n) => ({ ...n, weight: 77 })) });
    await putUnmanaged(gwA, "theirs", "127.0.0.1:18111");
    await until(async () => (await clientA.getUpstream("cart"))?.nodes.every((n) => n.weight !== 77), INTERVAL_MS + 3000, "cart repaired on gw-a");
    assert.ok(await inSync(clientA));
    assert.equal((await clientA.getUpstream("theirs"))?.managed_by, null, "unmanaged service untouched");
  });

  it("repairs a gateway that holds a newer revision than the database: the database is the authority", async () => {
    const desired = (await loadDesired(db, "cart"))!;
    const live = (await clientB.getUpstream("cart"))!;
    // Written with the portal's own header (a script copying the portal's calls, a second
    // portal on another database): only the revision stamp says it is not this portal's.
    await clientB.putUpstream("cart", { ...live, revision: desired.revision + 5, nodes: live.nodes.map((n) => ({ ...n, weight: 3 })) });
    await until(() => inSync(clientB), INTERVAL_MS + 3000, "gw-b back to the database's state");
    const after = await clientB.getUpstream("cart");
    assert.equal(after?.revision, desired.revision);
    assert.ok(after?.nodes.every((n) => n.weight !== 3));
    const ev = await until(async () => {
      const e = await db.auditEvent.findFirst({ where: { action: "service.sync", serviceName: "cart" }, orderBy: { id: "desc" }, include: { outcomes: true } });
      return e?.reason === "gateway ahead of database" && e.outcomes.length ? e : null;
    }, 3000, "repair audited as ahead of the database");
    assert.equal(ev.actorEmail, "system");
    const [listed] = (ev.before as { services: { drift: string; revision: number }[] }).services;
    assert.equal(listed.drift, "ahead");
    assert.equal(listed.revision, desired.revision + 5);
    assert.deepEqual(ev.outcomes.map((o) => [o.gatewayName, o.ok]), [["gw-b", true]]);
  });

  it("reconciliation racing a stream of changes ends on the newest state everywhere", async () => {
    const { reconcileOnce } = await import("@/lib/reconcile/reconcile");
    let stop = false;
    const racer = (async () => {
      let passes = 0;
      while (!stop) {
        await reconcileOnce(db);
        passes++;
      }
      return passes;
    })();
    for (let i = 0; i < 25; i++) {
      const d = (await loadDesired(db, "shop"))!;
      await updateNode(db, actor, { service: "shop", revision: d.revision, addr: "127.0.0.1:18081", weight: 1 + (i % 9), force: false });
    }
    stop = true;
    assert.ok((await racer) > 0);
    await until(async () => (await inSync(clientA)) && (await inSync(clientB)), INTERVAL_MS + 3000, "both in sync");
    const final = (await loadDesired(db, "shop"))!;
    for (const c of [clientA, clientB]) assert.equal((await c.getUpstream("shop"))?.revision, final.revision);
    const rows = await db.gatewaySync.findMany({ where: { service: { name: "shop" } } });
    assert.ok(rows.every((r) => r.ok && r.pushedRevision === final.revision), JSON.stringify(rows));
  });
});

describe("leadership", () => {
  it("one reconciler per deployment, and a takeover when the leader stops", async () => {
    const { startReconciler } = await import("@/lib/reconcile/runner");
    const a = startReconciler({ databaseUrl: url, intervalMs: 100 });
    const b = startReconciler({ databaseUrl: url, intervalMs: 100 });
    try {
      await until(async () => a.isLeader() || b.isLeader(), 5000, "someone leads");
      await sleep(500);
      assert.equal(Number(a.isLeader()) + Number(b.isLeader()), 1, "exactly one leads");
      const [leader, other] = a.isLeader() ? [a, b] : [b, a];
      assert.ok(leader.lastReport(), "the leader reconciled");
      assert.equal(other.lastReport(), null, "the other did not");
      await leader.stop();
      await until(async () => other.isLeader() && other.lastReport() !== null, 5000, "the other takes over");
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
