// Fleet groups (issue 15) with real gateways: a staging gateway and a prod gateway enroll
// through the real route; a service deployed to `staging` through the automation API reaches
// the staging gateway and never the prod one — not on create, not on a node change, not on a
// reconcile pass, not in the overview's drift — until it is moved to `prod`, which removes it
// from staging.
import "../support/audit-env";
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SessionUser } from "@/lib/auth";
import { enrollRoute } from "@/lib/api/enroll";
import { createEnrollToken } from "@/lib/enroll/tokens";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { reconcileOnce } from "@/lib/reconcile/reconcile";
import { getGatewaySyncSummaries } from "@/lib/reconcile/status";
import type { Db } from "@/lib/db";
import { getServicesOverview } from "@/lib/services/live";
import { startGateway, type GatewayHandle } from "../../scripts/lib/gateway";
import { setupDatabase } from "../portal/helpers";
import { admin, seedAdmin, tempDir } from "./helpers";

let db: Db;
let drop: () => Promise<void>;
const gws: Record<string, { handle: GatewayHandle; client: GatewayClient; id: string; adminToken: string }> = {};
let enrollToken: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let api: any;
const operator: SessionUser = { id: "u-op", email: "op@fleet.test", name: "Op", role: "OPERATOR", locale: null, timeZone: null };
const deps = () => ({ db, resolveUser: async () => operator });

function call(method: string, p: string, body?: unknown): Request {
  return new Request(`http://portal.test/api/v1${p}`, {
    method,
    headers: { authorization: "Bearer test", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

before(async () => {
  ({ db, drop } = await setupDatabase());
  await seedAdmin(db);
  ({ servicesApi: api } = await import("@/lib/api/services"));
  const { token } = await createEnrollToken(db, admin, { name: "groups" });
  enrollToken = token;
  for (const [name, group] of [["stage-1", "staging"], ["prod-1", "prod"]] as const) {
    const adminToken = `${name}-admin-token-0123456789`;
    const handle = await startGateway({ token: adminToken, stateDir: tempDir(name), workers: 1 });
    const res = await enrollRoute(
      new Request("http://portal.test/api/v1/gateways/enroll", {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name, adminUrl: handle.adminUrl, adminToken, group }),
      }),
      { db },
    );
    assert.equal(res.status, 201, await res.clone().text());
    const { gateway } = (await res.json()) as { gateway: { id: string; group: string } };
    assert.equal(gateway.group, group);
    gws[name] = { handle, client: createGatewayClient({ adminUrl: handle.adminUrl, token: adminToken }), id: gateway.id, adminToken };
  }
});

after(async () => {
  for (const g of Object.values(gws)) await g.handle.stop();
  await drop?.();
});

describe("groups", () => {
  it("a service created in staging through the API reaches only the staging gateway", async () => {
    const res = await api.create(call("POST", "/services", { name: "cart", groups: ["staging"], nodes: [{ addr: "127.0.0.1:18081" }] }), deps());
    const body = (await res.json()) as { outcomes: { gatewayName: string; ok: boolean }[] };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.deepEqual(body.outcomes.map((o) => [o.gatewayName, o.ok]), [["stage-1", true]]);
    assert.ok(await gws["stage-1"].client.getUpstream("cart"));
    assert.equal(await gws["prod-1"].client.getUpstream("cart"), null);
    const got = (await (await api.get(call("GET", "/services/cart"), deps(), "cart")).json()) as { service: { groups: string[] } };
    assert.deepEqual(got.service.groups, ["staging"]);
  });

  it("a node change, a reconcile pass and the overview leave the prod gateway out", async () => {
    const res = await api.addNode(call("POST", "/services/cart/nodes", { addr: "127.0.0.1:18082" }), deps(), "cart");
    const body = (await res.json()) as { outcomes: { gatewayName: string }[] };
    assert.equal(res.status, 201, JSON.stringify(body));
    assert.deepEqual(body.outcomes.map((o) => o.gatewayName), ["stage-1"]);
    const report = await reconcileOnce(db, undefined, { settleMs: 0 });
    for (const g of report.gateways) assert.deepEqual(g.repaired, [], g.gatewayName);
    assert.equal(await gws["prod-1"].client.getUpstream("cart"), null);
    assert.equal((await gws["stage-1"].client.getUpstream("cart"))?.nodes.length, 2);

    // Drift and sync status: the prod gateway is not "missing" the service.
    const overview = await getServicesOverview(db);
    const cart = overview.services.find((s) => s.name === "cart")!;
    assert.deepEqual(cart.gateways.map((g) => g.gatewayName), ["stage-1"]);
    assert.equal(cart.drifted, false);
    const summaries = await getGatewaySyncSummaries(db);
    assert.equal(summaries.find((s) => s.gatewayId === gws["prod-1"].id)?.status, "empty");
    assert.equal(summaries.find((s) => s.gatewayId === gws["stage-1"].id)?.status, "in_sync");
  });

  it("refuses bad group names naming the field, changing nothing", async () => {
    const res = await api.create(call("POST", "/services", { name: "bad", groups: ["Prod EU"], nodes: [] }), deps());
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { field: string } }).error.field, "groups");
    assert.equal(await db.service.count({ where: { name: "bad" } }), 0);
  });

  it("moving the service to prod pushes it there and removes it from staging, audited", async () => {
    const cur = (await (await api.get(call("GET", "/services/cart"), deps(), "cart")).json()) as { service: { algorithm: string; gray: unknown } };
    const res = await api.update(call("PUT", "/services/cart", { algorithm: cur.service.algorithm, gray: cur.service.gray, groups: ["prod"] }), deps(), "cart");
    const body = (await res.json()) as { groups: { pushed: { gatewayName: string; ok: boolean }[]; removed: { gatewayName: string; ok: boolean }[] } };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(body.groups.pushed.map((o) => [o.gatewayName, o.ok]), [["prod-1", true]]);
    assert.deepEqual(body.groups.removed.map((o) => [o.gatewayName, o.ok]), [["stage-1", true]]);
    assert.equal(await gws["stage-1"].client.getUpstream("cart"), null);
    assert.equal((await gws["prod-1"].client.getUpstream("cart"))?.nodes.length, 2);
    const ev = await db.auditEvent.findFirstOrThrow({ where: { action: "service.groups" }, include: { outcomes: true } });
    assert.equal(ev.actorEmail, operator.email);
    assert.deepEqual(ev.before, { groups: ["staging"] });
    assert.deepEqual(ev.after, { groups: ["prod"] });
    assert.equal(ev.outcomes.length, 2);
    const report = await reconcileOnce(db, undefined, { settleMs: 0 });
    for (const g of report.gateways) assert.deepEqual(g.repaired, [], g.gatewayName);
    assert.equal(await gws["stage-1"].client.getUpstream("cart"), null);
  });

  it("a gateway re-enrolled into another group loses the services of the group it left and gets the new group's", async () => {
    const res = await api.create(call("POST", "/services", { name: "promo", groups: ["staging"], nodes: [{ addr: "127.0.0.1:18083" }] }), deps());
    assert.equal(res.status, 201);
    assert.ok(await gws["stage-1"].client.getUpstream("promo"));
    const g = gws["stage-1"];
    const again = await enrollRoute(
      new Request("http://portal.test/api/v1/gateways/enroll", {
        method: "POST",
        headers: { authorization: `Bearer ${enrollToken}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "stage-1", adminUrl: g.handle.adminUrl, adminToken: g.adminToken, group: "prod" }),
      }),
      { db },
    );
    assert.equal(again.status, 200, await again.clone().text());
    assert.equal(await g.client.getUpstream("promo"), null);
    const ev = await db.auditEvent.findFirstOrThrow({ where: { action: "gateway.retire_services", targetName: "stage-1" }, include: { outcomes: true } });
    assert.deepEqual((ev.before as { services: string[] }).services, ["promo"]);
    assert.deepEqual(ev.outcomes.map((o) => [o.gatewayName, o.ok]), [["stage-1", true]]);
    await reconcileOnce(db, undefined, { settleMs: 0 });
    assert.ok(await g.client.getUpstream("cart"), "the prod service arrives with the next reconcile pass");
    assert.equal(await g.client.getUpstream("promo"), null);
  });
});
