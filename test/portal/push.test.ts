// The mutation path against a real PostgreSQL database and two real gateways:
// desired state + audit in one transaction, then a push to every gateway with each
// outcome recorded, and the gateways' own GET showing the result.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isAppError } from "@/lib/errors";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import type { Db } from "@/lib/db";
import { getLiveStats, getServiceDetail, getServicesOverview } from "@/lib/services/live";
import { startBackends } from "../../scripts/lib/backends";
import { freePort } from "../../scripts/lib/net";
import {
  addNode,
  adoptService,
  createService,
  deleteService,
  removeNode,
  retryPush,
  setNodeState,
  updateNode,
  updateService,
} from "@/lib/services/mutations";
import { syncGatewayNow } from "@/lib/reconcile/sync";
import { putDesiredState } from "@/lib/services/push";
import { loadDesired } from "@/lib/services/read";
import { toGatewayState } from "@/lib/services/state";
import { addNodeSchema, createServiceSchema } from "@/lib/validations/node";
import { grayRuleSchema } from "@/lib/validations/service";
import { actor, addGateway, getVia, putUnmanaged, setupDatabase, type TestGateway } from "./helpers";

let db: Db;
let drop: () => Promise<void>;
let gwA: TestGateway;
let gwB: TestGateway;
let clientA: GatewayClient;
let clientB: GatewayClient;

const gray = grayRuleSchema.parse({ header: { name: "X-Gray", value: "1" }, cookie: { name: "gray", value: "1" } });

async function currentRevision(service: string): Promise<number | null> {
  return (await db.service.findUnique({ where: { name: service }, select: { revision: true } }))?.revision ?? null;
}

async function eventsFor(service: string) {
  return db.auditEvent.findMany({ where: { serviceName: service }, orderBy: { id: "asc" }, include: { outcomes: { orderBy: { gatewayName: "asc" } } } });
}

async function expectAppError(p: Promise<unknown>, code: string) {
  const e = await p.then(
    () => assert.fail("expected an AppError"),
    (err: unknown) => err,
  );
  assert.ok(isAppError(e), `expected AppError, got ${String(e)}`);
  assert.equal(e.code, code);
  return e;
}

before(async () => {
  ({ db, drop } = await setupDatabase());
  gwA = await addGateway(db, "gw-a");
  gwB = await addGateway(db, "gw-b");
  clientA = createGatewayClient({ adminUrl: gwA.adminUrl, token: gwA.token });
  clientB = createGatewayClient({ adminUrl: gwB.adminUrl, token: gwB.token });
});

after(async () => {
  await gwA?.stop();
  await gwB?.stop();
  await drop?.();
});

describe("mutation path", () => {
  it("creates a service on both gateways with the portal revision", async () => {
    const input = createServiceSchema.parse({
      name: "shop",
      gray,
      nodes: [{ addr: "127.0.0.1:18081" }, { addr: "127.0.0.1:18082", weight: 2 }],
    });
    const r = await createService(db, actor, input);
    assert.equal(r.revision, 1);
    assert.deepEqual(r.outcomes.map((o) => [o.gatewayName, o.ok]), [["gw-a", true], ["gw-b", true]]);
    for (const c of [clientA, clientB]) {
      const live = await c.getUpstream("shop");
      assert.ok(live);
      assert.equal(live.revision, 1);
      assert.deepEqual(live.nodes.map((n) => [n.addr, n.weight, n.state]), [["127.0.0.1:18081", 1, "active"], ["127.0.0.1:18082", 2, "active"]]);
    }
    const [ev] = await eventsFor("shop");
    assert.equal(ev.action, "service.create");
    assert.equal(ev.actorEmail, actor.email);
    assert.equal(ev.actorRole, "OPERATOR");
    assert.equal(ev.clientIp, actor.clientIp);
    assert.deepEqual(ev.outcomes.map((o) => [o.gatewayName, o.ok]), [["gw-a", true], ["gw-b", true]]);
  });

  it("adds a node: revision bumps, both gateways serve it, audit has before/after", async () => {
    const r = await addNode(db, actor, addNodeSchema.parse({ service: "shop", revision: 1, node: { addr: "127.0.0.1:18083", state: "gray" } }));
    assert.equal(r.revision, 2);
    assert.ok(r.outcomes.every((o) => o.ok));
    for (const c of [clientA, clientB]) {
      const live = await c.getUpstream("shop");
      assert.equal(live?.revision, 2);
      assert.deepEqual(live?.nodes.find((n) => n.addr === "127.0.0.1:18083")?.state, "gray");
    }
    const ev = (await eventsFor("shop")).at(-1)!;
    assert.equal(ev.action, "node.add");
    assert.equal(ev.targetName, "127.0.0.1:18083");
    assert.equal(ev.before, null);
    assert.deepEqual(ev.after, { revision: 2, addr: "127.0.0.1:18083", weight: 1, state: "gray", backup: false });
    const syncs = await db.gatewaySync.findMany();
    assert.ok(syncs.every((s) => s.ok && s.pushedRevision === 2 && s.lastSuccessAt));
  });

  it("refuses a stale revision with a conflict and changes nothing", async () => {
    const eventsBefore = (await eventsFor("shop")).length;
    await expectAppError(updateNode(db, actor, { service: "shop", revision: 1, addr: "127.0.0.1:18081", weight: 9, force: false }), "conflict");
    const svc = await loadDesired(db, "shop");
    assert.equal(svc?.revision, 2);
    assert.equal(svc?.nodes.find((n) => n.addr === "127.0.0.1:18081")?.weight, 1);
    assert.equal((await eventsFor("shop")).length, eventsBefore);
    assert.equal((await clientA.getUpstream("shop"))?.revision, 2);
  });

  it("only one of two concurrent edits of the same revision wins", async () => {
    const results = await Promise.allSettled([
      updateNode(db, actor, { service: "shop", revision: 2, addr: "127.0.0.1:18081", weight: 5, force: false }),
      updateNode(db, actor, { service: "shop", revision: 2, addr: "127.0.0.1:18082", weight: 7, force: false }),
    ]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.equal(isAppError(lost[0].status === "rejected" && lost[0].reason) && (lost[0] as PromiseRejectedResult).reason.code, "conflict");
    assert.equal((await loadDesired(db, "shop"))?.revision, 3);
    assert.equal((await clientB.getUpstream("shop"))?.revision, 3);
  });

  it("refuses a change that leaves no stable-capable node unless forced", async () => {
    await createService(db, actor, createServiceSchema.parse({ name: "solo", gray, nodes: [{ addr: "127.0.0.1:18091" }, { addr: "127.0.0.1:18092", state: "gray" }] }));
    const e = await expectAppError(setNodeState(db, actor, { service: "solo", revision: 1, addr: "127.0.0.1:18091", state: "down", force: false }), "invalid_input");
    assert.deepEqual(e.fieldErrors, { force: ["refused.noStable"] });
    assert.equal((await loadDesired(db, "solo"))?.revision, 1);
    assert.equal((await clientA.getUpstream("solo"))?.nodes[0].state, "active");

    const forced = await setNodeState(db, actor, { service: "solo", revision: 1, addr: "127.0.0.1:18091", state: "down", force: true });
    assert.ok(forced.outcomes.every((o) => o.ok), JSON.stringify(forced.outcomes));
    assert.equal((await clientA.getUpstream("solo"))?.nodes[0].state, "down");
  });

  it("changes the gray rule and algorithm on every gateway", async () => {
    const rev = (await loadDesired(db, "shop"))!.revision;
    const newGray = grayRuleSchema.parse({ header: null, cookie: { name: "canary", value: "yes" }, cidrs: ["10.1.2.3/8"], percent: 12.5 });
    await updateService(db, actor, { service: "shop", revision: rev, algorithm: "least_conn", gray: newGray });
    const live = await clientB.getUpstream("shop");
    assert.equal(live?.algorithm, "least_conn");
    assert.equal(live?.gray.header, null);
    assert.deepEqual(live?.gray.cookie, { name: "canary", value: "yes" });
    assert.deepEqual(live?.gray.cidrs, ["10.0.0.0/8"]);
    assert.equal(live?.gray.percent, 12.5);
    const detail = await getServiceDetail(db, "shop");
    assert.ok(detail!.gateways.every((g) => g.drift?.kind === "in_sync"), JSON.stringify(detail!.gateways.map((g) => g.drift)));
  });
});

describe("a gateway down", () => {
  it("records the failed gateway, updates the other, marks out of sync, and retry repairs it", async () => {
    await gwB.stop();
    const rev = (await loadDesired(db, "shop"))!.revision;
    const r = await removeNode(db, actor, { service: "shop", revision: rev, addr: "127.0.0.1:18083", force: false });
    const a = r.outcomes.find((o) => o.gatewayName === "gw-a")!;
    const b = r.outcomes.find((o) => o.gatewayName === "gw-b")!;
    assert.equal(a.ok, true);
    assert.equal(b.ok, false);
    assert.equal(b.code, "gateway_unreachable");
    assert.equal((await clientA.getUpstream("shop"))?.nodes.some((n) => n.addr === "127.0.0.1:18083"), false);

    const ev = (await eventsFor("shop")).at(-1)!;
    assert.equal(ev.action, "node.remove");
    assert.deepEqual(ev.outcomes.map((o) => [o.gatewayName, o.ok, o.code]), [["gw-a", true, null], ["gw-b", false, "gateway_unreachable"]]);

    const syncB = await db.gatewaySync.findFirst({ where: { gatewayId: gwB.id, service: { name: "shop" } } });
    assert.equal(syncB?.ok, false);
    assert.match(syncB?.lastError ?? "", /gateway_unreachable/);

    const detail = await getServiceDetail(db, "shop");
    assert.equal(detail?.outOfSync, true);
    const liveB = detail!.gateways.find((g) => g.gatewayName === "gw-b")!;
    assert.equal(liveB.reachable, false);
    assert.equal(liveB.sync.status, "failed");

    // The overview still renders with the gateway down.
    const overview = await getServicesOverview(db);
    assert.equal(overview.gateways.find((g) => g.gatewayName === "gw-b")?.reachable, false);
    assert.equal(overview.services.find((s) => s.name === "shop")?.outOfSync, true);

    await gwB.restart();
    const stale = await clientB.getUpstream("shop");
    assert.ok(stale && stale.revision! < r.revision, "gw-b came back with the old state");

    const retry = await retryPush(db, actor, { service: "shop" });
    assert.ok(retry.outcomes.every((o) => o.ok), JSON.stringify(retry.outcomes));
    const fixed = await clientB.getUpstream("shop");
    assert.equal(fixed?.revision, r.revision);
    assert.equal(fixed?.nodes.some((n) => n.addr === "127.0.0.1:18083"), false);
    const retryEv = (await eventsFor("shop")).at(-1)!;
    assert.equal(retryEv.action, "service.retry_push");
    assert.ok(retryEv.outcomes.every((o) => o.ok));
    assert.equal((await getServiceDetail(db, "shop"))?.outOfSync, false);
  });
});

describe("push details", () => {
  it("a concurrent writer between read and write (412) is detected and the push retried", async () => {
    const desired = (await loadDesired(db, "shop"))!;
    // A client whose first GET is followed by another writer changing the service.
    let interfered = false;
    const racing: GatewayClient = {
      ...clientA,
      async getUpstream(name) {
        const live = await clientA.getUpstream(name);
        if (!interfered && live) {
          interfered = true;
          await clientA.putUpstream(name, { ...live, nodes: [...live.nodes].map((n) => ({ ...n, weight: 42 })) });
        }
        return live;
      },
    };
    const res = await putDesiredState(racing, toGatewayState(desired), () => currentRevision("shop"));
    assert.equal(interfered, true);
    assert.equal(res.superseded, null);
    const live = await clientA.getUpstream("shop");
    assert.ok(live?.nodes.every((n) => n.weight !== 42));
    assert.equal(live?.revision, desired.revision);
  });

  it("never overwrites a newer portal revision with an older one (the database has moved past it)", async () => {
    const desired = (await loadDesired(db, "shop"))!;
    const old = { ...toGatewayState(desired), revision: desired.revision - 1, nodes: [] };
    const res = await putDesiredState(clientA, old, () => currentRevision("shop"));
    assert.deepEqual(res.superseded, { live: desired.revision, current: desired.revision });
    assert.equal((await clientA.getUpstream("shop"))?.nodes.length, desired.nodes.length);
  });
});

describe("unmanaged services and sync", () => {
  it("shows a service created with the brief's API as unmanaged and adopts it", async () => {
    const res = await fetch(`${gwA.adminUrl}/upstream_add?upstream=legacy&server=127.0.0.1:18099`, { headers: { authorization: `Bearer ${gwA.token}` } });
    assert.equal(res.status < 300, true, await res.text());
    // Gateway reads are shared per process for 1 s (lib/metrics/shared-read.ts): a change made
    // behind the portal's back shows on the first read after that.
    await new Promise((r) => setTimeout(r, 1100));
    const overview = await getServicesOverview(db);
    const legacy = overview.unmanaged.find((u) => u.name === "legacy");
    assert.deepEqual(legacy?.gateways.map((g) => g.gatewayName), ["gw-a"]);

    const r = await adoptService(db, actor, { service: "legacy", gatewayId: gwA.id });
    assert.ok(r.outcomes.every((o) => o.ok));
    const stored = await loadDesired(db, "legacy");
    assert.deepEqual(stored?.nodes.map((n) => n.addr), ["127.0.0.1:18099"]);
    assert.equal((await clientB.getUpstream("legacy"))?.revision, 1);
    const ev = (await eventsFor("legacy")).at(-1)!;
    assert.equal(ev.action, "service.adopt");
    assert.equal((await getServicesOverview(db)).unmanaged.some((u) => u.name === "legacy"), false);
  });

  it("sync now repairs a gateway restarted with an empty state and leaves unmanaged services alone", async () => {
    await gwB.restart({ freshState: true });
    await putUnmanaged(gwB, "theirs", "127.0.0.1:18111");
    assert.equal(await clientB.getUpstream("shop"), null);

    const report = await syncGatewayNow(db, actor, gwB.id);
    assert.equal(report.error, null);
    const pushed = report.services.filter((s) => s.outcome);
    assert.deepEqual(pushed.map((s) => [s.service, s.drift, s.outcome!.ok]).sort(), [
      ["legacy", "missing", true],
      ["shop", "missing", true],
      ["solo", "missing", true],
    ]);
    const detail = await getServiceDetail(db, "shop");
    assert.ok(detail!.gateways.every((g) => g.drift?.kind === "in_sync"));
    assert.deepEqual((await clientB.getUpstream("theirs"))?.managed_by, null, "unmanaged service untouched");
    const syncEvents = await db.auditEvent.findMany({ where: { action: "service.sync" }, include: { outcomes: true } });
    // One event for the sync of gw-b, one outcome per push.
    assert.equal(syncEvents.length, 1);
    assert.equal(syncEvents[0].targetName, "gw-b");
    assert.deepEqual(syncEvents[0].outcomes.map((o) => [o.gatewayName, o.ok, o.message]).sort(), [["gw-b", true, "legacy"], ["gw-b", true, "shop"], ["gw-b", true, "solo"]]);

    // In sync now: a second run pushes nothing.
    const again = await syncGatewayNow(db, actor, gwB.id);
    assert.ok(again.services.every((s) => s.outcome === null));
  });

  it("deletes a service from the database and every gateway", async () => {
    const rev = (await loadDesired(db, "solo"))!.revision;
    const r = await deleteService(db, actor, { service: "solo", revision: rev });
    assert.ok(r.outcomes.every((o) => o.ok));
    assert.equal(await loadDesired(db, "solo"), null);
    assert.equal(await clientA.getUpstream("solo"), null);
    assert.equal(await clientB.getUpstream("solo"), null);
    const ev = (await eventsFor("solo")).at(-1)!;
    assert.equal(ev.action, "service.delete");
    assert.equal(ev.outcomes.length, 2);
  });
});

describe("live stats", () => {
  it("turns gateway counters into requests/s per service and node", async () => {
    const port = await freePort();
    const backends = await startBackends({ ports: [port] });
    try {
      const addr = backends.addrs[0];
      await createService(db, actor, createServiceSchema.parse({ name: "live", nodes: [{ addr }] }));
      await getLiveStats(db, { service: "live" }); // first sample: no rate yet
      for (let i = 0; i < 20; i++) assert.equal(await getVia(gwA.proxyUrl, "live"), 200);
      await new Promise((r) => setTimeout(r, 1100));
      const stats = await getLiveStats(db, { service: "live" });
      assert.deepEqual(Object.keys(stats.services), ["live"]);
      const svc = stats.services.live;
      assert.ok(svc.rps !== null && svc.rps > 0, JSON.stringify(svc));
      assert.ok(svc.nodes[addr].requests >= 20);
      assert.equal(svc.errorRate, 0);
      assert.ok(stats.gateways.every((g) => g.reachable));
    } finally {
      await backends.stop();
    }
  });
});

describe("overview pages", () => {
  it("filters by name and pages the services, comparing live state for one page only", async () => {
    for (const name of ["pg-c", "pg-a", "pg-b"]) {
      await db.service.create({ data: { name, gray: { cidrs: [], percent: 0 }, revision: 1 } });
    }
    const first = await getServicesOverview(db, { q: "PG-", page: 1, pageSize: 2 });
    assert.equal(first.total, 3);
    assert.deepEqual(first.services.map((s) => s.name), ["pg-a", "pg-b"]);
    const second = await getServicesOverview(db, { q: "pg-", page: 2, pageSize: 2 });
    assert.deepEqual(second.services.map((s) => s.name), ["pg-c"]);
    // Past the end: the last page, not an empty one.
    assert.equal((await getServicesOverview(db, { q: "pg-", page: 99, pageSize: 2 })).page, 2);
    assert.equal((await getServicesOverview(db, { q: "no-such-service" })).total, 0);
  });
});
