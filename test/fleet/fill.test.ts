// A gateway that enrolls into a running deployment is filled at once (issue 15): the enrollment
// call starts its first sync (not the next reconcile pass), its services are pushed a few at a
// time, and what that sync did is one service.sync event listing every push seen to land —
// with 200 services, within one reconcile interval (5 s) of the enrollment. Real gateway
// (`npm run gateway` enrolling itself), real enrollment route, real PostgreSQL.
import "../support/audit-env";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createEnrollToken } from "@/lib/enroll/tokens";
import { createGatewayClient } from "@/lib/gateways/client";
import { decrypt } from "@/lib/crypto";
import { reconcileEnrolled, reconcileOnce } from "@/lib/reconcile/reconcile";
import { releaseSyncLeases, takeSyncLeases } from "@/lib/reconcile/lease";
import { syncGatewayNow } from "@/lib/reconcile/sync";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import type { Db } from "@/lib/db";
import { setupDatabase } from "../portal/helpers";
import { admin, npmGateway, seedAdmin, startEnrollPortal, waitFor, type NpmGateway, type PortalStub } from "./helpers";

const SERVICES = 200;
const INTERVAL_MS = 5000;

let db: Db;
let drop: () => Promise<void>;
let portal: PortalStub;
let gw: NpmGateway | null = null;

before(async () => {
  ({ db, drop } = await setupDatabase());
  await seedAdmin(db);
  portal = await startEnrollPortal(db);
  // No gateway yet: creating them pushes nowhere.
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${String(i).padStart(3, "0")}`;
    await createService(db, admin, createServiceSchema.parse({ name, nodes: [{ addr: `127.0.0.1:${20000 + i}` }, { addr: `127.0.0.1:${21000 + i}` }] }));
  }
});

after(async () => {
  await gw?.stop();
  await portal?.close();
  await drop?.();
});

describe("a late gateway", () => {
  it(`holds all ${SERVICES} services within one interval of enrolling, recorded as one audit event of what landed`, async () => {
    const { token } = await createEnrollToken(db, admin, { name: "fill" });
    gw = await npmGateway({ GRAYLANE_PORTAL_URL: portal.url, GRAYLANE_ENROLL_TOKEN: token, GRAYLANE_GATEWAY_NAME: "late-1" });
    const row = await waitFor("late-1 enrolled", () => db.gateway.findUnique({ where: { name: "late-1" } }));
    const client = createGatewayClient({ adminUrl: row.adminUrl, token: await decrypt(row.tokenEnc) });
    // No reconcile pass runs in this test: the enrollment itself fills the gateway.
    const filled = await waitFor("late-1 filled", async () => ((await client.getSummary()).length === SERVICES ? Date.now() : null), 60_000);
    const took = filled - row.enrolledAt!.getTime();
    assert.ok(took <= INTERVAL_MS, `filled ${took} ms after enrolling`);

    const ev = await waitFor("the sync's event", () => db.auditEvent.findFirst({ where: { action: "service.sync", targetName: "late-1" }, include: { outcomes: true } }));
    assert.equal(await db.auditEvent.count({ where: { action: "service.sync" } }), 1, "one event for the whole fill");
    assert.equal(ev.actorEmail, "system");
    assert.equal(ev.targetType, "gateway");
    assert.equal(ev.serviceName, null);
    const listed = ev.after as { repaired: { service: string; revision: number }[]; failed: unknown[] };
    assert.equal(listed.repaired.length, SERVICES);
    assert.deepEqual(listed.failed, []);
    assert.deepEqual((ev.before as { services: { drift: string }[] }).services.map((s) => s.drift), Array(SERVICES).fill("missing"));
    assert.equal(ev.outcomes.length, SERVICES);
    assert.ok(ev.outcomes.every((o) => o.ok && o.gatewayName === "late-1"));
    assert.match(ev.reason ?? "", new RegExp(`^${SERVICES} repaired, 0 failed: service missing on gateway$`));
    // What the event lists is what the gateway holds.
    const live = new Map((await client.getSummary()).map((s) => [s.name, s.revision]));
    for (const r of listed.repaired) assert.equal(live.get(r.service), r.revision);

    // Nothing left for the next pass.
    const pass = await reconcileOnce(db, undefined, { settleMs: 0 });
    assert.equal(pass.repairs + pass.failures, 0, JSON.stringify(pass.gateways));
    assert.equal(await db.auditEvent.count({ where: { action: "service.sync" } }), 1);
  });

  it("a failed push is listed as failed, never as repaired", async () => {
    const row = await db.gateway.findUniqueOrThrow({ where: { name: "late-1" } });
    const client = createGatewayClient({ adminUrl: row.adminUrl, token: await decrypt(row.tokenEnc) });
    // Two services gone from the gateway; one of them now holds a state every gateway refuses.
    await client.deleteUpstream("svc-000");
    await client.deleteUpstream("svc-001");
    await db.service.update({ where: { name: "svc-001" }, data: { health: { max_fails: 5000, fail_timeout: 10 }, revision: { increment: 1 } } });
    const before = await db.auditEvent.count({ where: { action: "service.sync" } });
    const report = await reconcileEnrolled(db, row.id);
    assert.deepEqual(report?.repaired.map((r) => [r.service, r.ok]), [["svc-000", true], ["svc-001", false]]);
    const ev = await db.auditEvent.findFirstOrThrow({ where: { action: "service.sync" }, orderBy: { id: "desc" }, include: { outcomes: true } });
    assert.equal(await db.auditEvent.count({ where: { action: "service.sync" } }), before + 1);
    const listed = ev.after as { repaired: { service: string }[]; failed: { service: string; code: string }[] };
    assert.deepEqual(listed.repaired.map((r) => r.service), ["svc-000"]);
    assert.deepEqual(listed.failed.map((r) => [r.service, r.code]), [["svc-001", "invalid_health"]]);
    assert.equal(ev.reason, "1 repaired, 1 failed: service missing on gateway");
    assert.deepEqual(ev.outcomes.map((o) => [o.message.split(":")[0], o.ok]).sort(), [["svc-000", true], ["svc-001", false]]);
    assert.equal(await client.getUpstream("svc-001"), null, "the failed one is not there");
    await db.service.update({ where: { name: "svc-001" }, data: { health: { max_fails: 2, fail_timeout: 10 }, revision: { increment: 1 } } });
  });

  it("a sync of a gateway whose lease another sync holds is left to that one (enrollment vs pass)", async () => {
    const row = await db.gateway.findUniqueOrThrow({ where: { name: "late-1" } });
    const client = createGatewayClient({ adminUrl: row.adminUrl, token: await decrypt(row.tokenEnc) });
    await client.deleteUpstream("svc-002");
    // As a pass in another portal process holds it.
    assert.deepEqual([...(await takeSyncLeases(db, [row.id]))], [row.id]);
    try {
      assert.equal((await takeSyncLeases(db, [row.id])).size, 0, "one holder at a time");
      const enrolled = await reconcileEnrolled(db, row.id);
      assert.equal(enrolled?.busy, true);
      const pass = await reconcileOnce(db, undefined, { settleMs: 0 });
      assert.equal(pass.gateways.find((g) => g.gatewayName === "late-1")?.busy, true);
      // Not checked is not in sync: the pass (and "Reconcile now") reports it as not done.
      assert.equal(pass.gateways.find((g) => g.gatewayName === "late-1")?.error?.code, "sync_busy");
      assert.ok(pass.failures >= 1, "the busy gateway counts as not done");
      // "Sync now" on that gateway takes the same lease, and says it did nothing.
      const now = await syncGatewayNow(db, admin, row.id);
      assert.equal(now.error?.code, "sync_busy");
      assert.deepEqual(now.services, []);
      assert.equal(await client.getUpstream("svc-002"), null, "nobody pushed while the lease was held");
    } finally {
      await releaseSyncLeases(db, [row.id]);
    }
    const pass = await reconcileOnce(db, undefined, { settleMs: 0 });
    assert.ok(pass.gateways.find((g) => g.gatewayName === "late-1")?.repaired.some((r) => r.service === "svc-002" && r.ok));
    assert.equal((await client.getUpstream("svc-002"))?.revision, 1);
  });
});
