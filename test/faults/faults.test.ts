// Fault and load suite (issue 6): under continuous client load through 3 real gateways, with a
// real PostgreSQL in a throwaway cluster and the reconciler running: node churn through the
// server functions, a service node SIGKILLed, a portal worker SIGKILLed half-way through a
// push, a gateway stopped and started, PostgreSQL stopped and started, and two operators
// editing one service at once. Asserts no failed client request (a stable node is always
// up), no lost audit event, a valid audit chain, and every gateway equal to the desired state
// at the end. Prints a summary table.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { after, before, it } from "node:test";
import { verifyAuditChain } from "@/lib/audit/verify";
import { encrypt } from "@/lib/crypto";
import { isDbUnreachable } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { createGatewayClient } from "@/lib/gateways/client";
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { addNode, createService, removeNode, setNodeState, updateNode, type MutationResult } from "@/lib/services/mutations";
import { loadAllDesired, loadDesired } from "@/lib/services/read";
import { diffState } from "@/lib/services/state";
import { createServiceSchema } from "@/lib/validations/node";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { createTestDatabase } from "../../scripts/lib/database";
import { REPO_ROOT } from "../../scripts/lib/gateway";
import { freePort } from "../../scripts/lib/net";
import { addGateway, type TestGateway } from "../portal/helpers";
import { startCluster, type Cluster } from "./cluster";
import { Load } from "./load";
import { sleep, until } from "../support/http";

const INTERVAL_MS = 1000;
const SERVICE = "shop";
const opA: Actor = { id: "u-a", email: "alice@example.test", role: "OPERATOR", clientIp: "203.0.113.1", userAgent: "faults" };
const opB: Actor = { id: "u-b", email: "bob@example.test", role: "OPERATOR", clientIp: "203.0.113.2", userAgent: "faults" };

let cluster: Cluster;
let db: Db;
let url: string;
let gateways: TestGateway[] = [];
let backends: BackendsHandle;
let ports: number[] = [];
let reconciler: import("@/lib/reconcile/runner").ReconcilerHandle | null = null;
let load: Load | null = null;
let repairs = 0;
const committed: { eventId: string; what: string }[] = [];
const timings: [string, number][] = [];


async function allInSync(): Promise<boolean> {
  const desired = await loadAllDesired(db);
  for (const g of gateways) {
    const live = new Map((await createGatewayClient({ adminUrl: g.adminUrl, token: g.token }).getUpstreams()).map((u) => [u.name, u]));
    if (!desired.every((d) => diffState(d, live.get(d.name)).kind === "in_sync")) return false;
  }
  return true;
}

/** A mutation through the server function, with the revision read fresh; its event is remembered. */
async function mutate(what: string, fn: (revision: number) => Promise<MutationResult>): Promise<MutationResult> {
  const rev = (await loadDesired(db, SERVICE))!.revision;
  const r = await fn(rev);
  committed.push({ eventId: r.eventId, what });
  return r;
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  try {
    return await fn();
  } finally {
    timings.push([label, Date.now() - t]);
  }
}

before(async () => {
  cluster = await startCluster();
  const t = await createTestDatabase(cluster.url);
  url = t.url;
  process.env.DATABASE_URL = url; // the reconciler uses the portal's shared client
  const { getDb } = await import("@/lib/db");
  db = getDb();
  for (const name of ["gw-1", "gw-2", "gw-3"]) gateways.push(await addGateway(db, name));
  ports = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  backends = await startBackends({ ports });
  const [b1, b2, b3] = backends.addrs;
  await createService(db, opA, createServiceSchema.parse({ name: SERVICE, nodes: [{ addr: b1 }, { addr: b2 }, { addr: b3 }] }));
  const { startReconciler } = await import("@/lib/reconcile/runner");
  reconciler = startReconciler({ databaseUrl: url, intervalMs: INTERVAL_MS, onPass: (r) => (repairs += r.repairs) });
  load = new Load(gateways.map((g) => ({ name: g.name, proxyUrl: () => g.proxyUrl })), SERVICE, { workers: 4, pauseMs: 5 });
  load.start();
});

after(async () => {
  await load?.stop().catch(() => undefined);
  await reconciler?.stop().catch(() => undefined);
  for (const g of gateways) await g.stop().catch(() => undefined);
  await backends?.stop().catch(() => undefined);
  await db?.$disconnect().catch(() => undefined);
  await cluster?.destroy();
});

it("keeps serving and converges through churn, kills, restarts and outages", { timeout: 240_000 }, async () => {
  const started = Date.now();
  const [, b2, , b4, b5] = backends.addrs;

  // 1. Node churn through the server functions (b4/b5 come and go; b1-b3 stay stable).
  await timed("node churn (24 changes)", async () => {
    for (let i = 0; i < 4; i++) {
      for (const addr of [b4, b5]) {
        await mutate(`add ${addr}`, (revision) => addNode(db, opA, { service: SERVICE, revision, force: false, node: { addr, weight: 1 + i, state: "gray", backup: false, note: "" } }));
        await mutate(`activate ${addr}`, (revision) => setNodeState(db, opA, { service: SERVICE, revision, force: false, addr, state: "active" }));
        await mutate(`drain ${addr}`, (revision) => setNodeState(db, opA, { service: SERVICE, revision, force: false, addr, state: "draining" }));
      }
      await sleep(200);
      for (const addr of [b4, b5]) await mutate(`remove ${addr}`, (revision) => removeNode(db, opA, { service: SERVICE, revision, force: false, addr }));
    }
  });

  // 2. A service node SIGKILLed under load: the gateways route around it.
  await timed("node SIGKILL + restart", async () => {
    await backends.kill(ports[1]);
    await sleep(2000);
    await backends.restart(ports[1]);
    await sleep(500);
  });

  // 3. A portal worker SIGKILLed half-way through a push: gw-3's admin API stalls (a black hole
  //    stands in for it), the worker dies after gw-1 and gw-2 got the change; reconciliation
  //    completes it on gw-3.
  await timed("portal worker SIGKILL mid-push → repaired", async () => {
    const held: net.Socket[] = [];
    const hole = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => hole.listen(0, "127.0.0.1", () => r()));
    const gw3 = gateways[2];
    await db.gateway.update({ where: { id: gw3.id }, data: { adminUrl: `http://127.0.0.1:${(hole.address() as net.AddressInfo).port}` } });
    const rev = (await loadDesired(db, SERVICE))!.revision;
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(REPO_ROOT, "test/faults/push-worker.ts"), JSON.stringify({ service: SERVICE, revision: rev, force: false, node: { addr: b4, weight: 3, state: "active", backup: false, note: "" } })], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise((r) => child.on("exit", r));
    const c1 = createGatewayClient({ adminUrl: gateways[0].adminUrl, token: gateways[0].token });
    const c2 = createGatewayClient({ adminUrl: gateways[1].adminUrl, token: gateways[1].token });
    await until(async () => (await c1.getUpstream(SERVICE))?.revision === rev + 1 && (await c2.getUpstream(SERVICE))?.revision === rev + 1, 20_000, "worker pushed to gw-1 and gw-2");
    child.kill("SIGKILL");
    await exited;
    const ev = await db.auditEvent.findFirst({ where: { actorEmail: "worker@example.test" }, include: { outcomes: true } });
    assert.ok(ev, "the worker's change was audited before its push");
    assert.equal(ev.outcomes.length, 0, "the worker died before recording the push");
    committed.push({ eventId: ev.id.toString(), what: "worker add (killed mid-push)" });
    await db.gateway.update({ where: { id: gw3.id }, data: { adminUrl: gw3.adminUrl } });
    for (const s of held) s.destroy();
    hole.close();
    const c3 = createGatewayClient({ adminUrl: gw3.adminUrl, token: gw3.token });
    assert.equal((await c3.getUpstream(SERVICE))?.revision, rev, "gw-3 missed it");
    await until(async () => (await c3.getUpstream(SERVICE))?.revision === rev + 1, 3000 + INTERVAL_MS * 3 + 3000, "reconciler completes the push on gw-3");
  });

  // 4. A gateway stopped (out of the load's rotation first) while a change is made, then started
  //    with its old state: the push records the failure, the others get it, the reconciler repairs.
  await timed("gateway stop/start → repaired", async () => {
    const gw2 = gateways[1];
    await load!.drain(gw2.name);
    await gw2.stop();
    const r = await mutate("weight while gw-2 down", (revision) => updateNode(db, opA, { service: SERVICE, revision, force: false, addr: b4, weight: 9 }));
    assert.deepEqual(r.outcomes.map((o) => [o.gatewayName, o.ok]), [["gw-1", true], ["gw-2", false], ["gw-3", true]]);
    await gw2.restart();
    const back = Date.now();
    const c = createGatewayClient({ adminUrl: gw2.adminUrl, token: gw2.token });
    await until(async () => (await c.getUpstream(SERVICE))?.revision === r.revision, INTERVAL_MS * 3 + 2000, "gw-2 repaired");
    timings.push(["  gw-2 back → repaired", Date.now() - back]);
    load!.restore(gw2.name);
  });

  // 5. PostgreSQL stopped: mutations fail cleanly, traffic goes on; started: mutations work again
  //    with the same client (the pool reconnects), no restart.
  await timed("PostgreSQL stop/start", async () => {
    const rev = (await loadDesired(db, SERVICE))!.revision;
    await cluster.stop();
    const e = await setNodeState(db, opA, { service: SERVICE, revision: rev, force: false, addr: b4, state: "gray" }).then(
      () => assert.fail("a mutation succeeded with the database down"),
      (err: unknown) => err,
    );
    // Server actions and the API answer such an error with database_unavailable.
    assert.ok(isDbUnreachable(e), `not recognised as an unreachable database: ${String(e)}`);
    await sleep(1500); // traffic keeps flowing meanwhile (the load is checked at the end)
    await cluster.start();
    const back = Date.now();
    const r = await until(
      () => setNodeState(db, opA, { service: SERVICE, revision: rev, force: false, addr: b4, state: "gray" }).catch((err: unknown) => {
        if (isAppError(err)) throw err; // a real refusal is not "still down"
        return null;
      }),
      15_000,
      "a mutation succeeds after PostgreSQL returns",
    );
    committed.push({ eventId: r.eventId, what: "state after PostgreSQL returned" });
    timings.push(["  PostgreSQL back → mutation ok", Date.now() - back]);
    assert.ok(r.outcomes.every((o) => o.ok));
  });

  // 6. Two operators edit the same revision at once: one wins, the other gets a conflict.
  await timed("two operators at once", async () => {
    const rev = (await loadDesired(db, SERVICE))!.revision;
    const results = await Promise.allSettled([
      updateNode(db, opA, { service: SERVICE, revision: rev, force: false, addr: b4, weight: 4 }),
      updateNode(db, opB, { service: SERVICE, revision: rev, force: false, addr: b4, weight: 6 }),
    ]);
    const won = results.filter((x): x is PromiseFulfilledResult<MutationResult> => x.status === "fulfilled");
    const lost = results.filter((x): x is PromiseRejectedResult => x.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.ok(isAppError(lost[0].reason) && lost[0].reason.code === "conflict", String(lost[0].reason));
    committed.push({ eventId: won[0].value.eventId, what: "concurrent edit winner" });
  });

  // The end: every gateway equals the desired state, nothing lost, nobody failed.
  const converge = Date.now();
  await until(() => allInSync(), 15_000, "every gateway equals the desired state");
  const convergeMs = Date.now() - converge;
  await load!.stop();

  const ids = committed.map((c) => BigInt(c.eventId));
  const events = await db.auditEvent.findMany({ where: { id: { in: ids } }, select: { id: true } });
  const missing = committed.filter((c) => !events.some((e) => e.id.toString() === c.eventId));
  const chain = await verifyAuditChain(db);
  const syncEvents = await db.auditEvent.count({ where: { action: "service.sync" } });

  const rows: [string, string][] = [
    ["client requests", String(load!.requests)],
    ["failed client requests", String(load!.failures.length)],
    ["mutations committed", String(committed.length)],
    ["audit events missing", String(missing.length)],
    ["audit chain", chain.ok ? `ok (${chain.checked} events)` : `BROKEN at ${chain.brokenAt}: ${chain.code}`],
    ["reconciler repairs (pushes)", `${repairs} (service.sync events: ${syncEvents})`],
    ["time to converge at the end", `${convergeMs} ms`],
    ...timings.map(([k, v]): [string, string] => [k, `${v} ms`]),
    ["total", `${Date.now() - started} ms`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  console.log(["", "fault suite summary", ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n"));

  assert.deepEqual(load!.failures.slice(0, 10), [], `${load!.failures.length} failed client requests`);
  assert.deepEqual(missing, [], "every successful mutation has its audit event");
  assert.ok(chain.ok, "audit chain verifies");
  assert.ok(repairs >= 2, "the reconciler repaired gw-3 and gw-2");
  assert.ok(load!.requests > 1000, `only ${load!.requests} requests`);
  const c = createGatewayClient({ adminUrl: gateways[0].adminUrl, token: gateways[0].token });
  assert.equal((await c.getUpstream(SERVICE))?.nodes.find((n) => n.addr === b2)?.state, "active", "the killed node is back in the pool");
  void b5;
});
