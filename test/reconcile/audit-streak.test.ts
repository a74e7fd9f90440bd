// The reconciler does not flood the audit log, against a real PostgreSQL database and a real
// gateway: a service that keeps failing to push is one audit event per failure streak and one
// when it recovers — not one per gateway and pass.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { reconcileOnce } from "@/lib/reconcile/reconcile";
import { SYSTEM_ACTOR } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { RECOVERED } from "@/lib/reconcile/sync";
import { updateNode } from "@/lib/services/mutations";
import { loadDesired } from "@/lib/services/read";
import { diffState } from "@/lib/services/state";
import { actor, fleet, type TestGateway } from "../portal/helpers";

let db: Db;
let stopFleet: () => Promise<void>;
let gwA: TestGateway;
let gwB: TestGateway;
let clientA: GatewayClient;

const PASSES = 4;

function syncEvents(service: string) {
  return db.auditEvent.findMany({ where: { action: "service.sync", serviceName: service }, orderBy: { id: "asc" }, include: { outcomes: true } });
}

async function passes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await reconcileOnce(db, SYSTEM_ACTOR, { settleMs: 0 });
}

before(async () => {
  const f = await fleet(["gw-a", "gw-b"], ["bad", "shop"]);
  ({ db, stop: stopFleet } = f);
  [gwA, gwB] = f.gateways;
  clientA = createGatewayClient({ adminUrl: gwA.adminUrl, token: gwA.token });
});

after(async () => {
  await stopFleet?.();
});

describe("failure streaks", () => {
  it("a desired state the gateways refuse: one event for the streak on each gateway, one when it recovers", async () => {
    // A state every gateway refuses (written by an older portal, or restored): each pass fails.
    await db.service.update({ where: { name: "bad" }, data: { health: { max_fails: 5000, fail_timeout: 10 }, revision: { increment: 1 } } });
    await passes(PASSES);
    const failing = await syncEvents("bad");
    assert.equal(failing.length, 2, `one event per gateway for the whole streak, got ${failing.length} after ${PASSES} passes`);
    for (const e of failing) {
      assert.equal(e.outcomes.length, 1);
      assert.equal(e.outcomes[0].ok, false);
      assert.equal(e.outcomes[0].code, "invalid_health");
    }
    assert.deepEqual(failing.map((e) => e.outcomes[0].gatewayName).sort(), ["gw-a", "gw-b"]);
    // The retries are still recorded where the sync status reads them.
    const rows = await db.gatewaySync.findMany({ where: { service: { name: "bad" } } });
    assert.ok(rows.every((r) => !r.ok && r.lastError?.startsWith("invalid_health")), JSON.stringify(rows));

    // Fixed: the next pass lands it, with one event per gateway saying so.
    await db.service.update({ where: { name: "bad" }, data: { health: { max_fails: 2, fail_timeout: 10 }, revision: { increment: 1 } } });
    await passes(PASSES);
    const all = await syncEvents("bad");
    assert.equal(all.length, 4, `two more (recovery) events, got ${all.length - 2}`);
    for (const e of all.slice(2)) {
      assert.equal(e.actorEmail, "system");
      assert.ok(e.reason?.endsWith(RECOVERED), e.reason ?? "");
      assert.deepEqual(e.outcomes.map((o) => o.ok), [true]);
    }
    const desired = (await loadDesired(db, "bad"))!;
    assert.equal(diffState(desired, await clientA.getUpstream("bad")).kind, "in_sync");
    assert.ok((await db.gatewaySync.findMany({ where: { service: { name: "bad" } } })).every((r) => r.ok));
  });

  it("a gateway down for several passes: no event while down (nothing is changed), one when it is repaired", async () => {
    await gwB.stop();
    const rev = (await loadDesired(db, "shop"))!.revision;
    // The change itself is audited with gw-b's failure: that event opens the streak.
    const r = await updateNode(db, actor, { service: "shop", revision: rev, addr: "127.0.0.1:8081", weight: 7, force: false });
    assert.deepEqual(r.outcomes.map((o) => [o.gatewayName, o.ok]), [["gw-a", true], ["gw-b", false]]);
    const before = (await syncEvents("shop")).length;
    await passes(PASSES);
    assert.equal((await syncEvents("shop")).length, before, "nothing audited while the gateway is down");

    await gwB.restart();
    await passes(PASSES);
    const after = (await syncEvents("shop")).slice(before);
    assert.equal(after.length, 1, `one repair event, got ${after.length}`);
    assert.equal(after[0].outcomes[0]?.gatewayName, "gw-b");
    assert.equal(after[0].outcomes[0]?.ok, true);
    assert.ok(after[0].reason?.endsWith(RECOVERED), after[0].reason ?? "");
  });
});
