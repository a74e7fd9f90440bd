// Several portal processes on one PostgreSQL (issue 15): two production portals (`next start`,
// different ports, same database). A gateway enrolls through portal A's real route (enroll.lua →
// Next.js → lib/enroll); exactly one process reconciles (advisory lock) and brings the service to
// the new gateway; kill that leader (SIGKILL, as a crash) and the other takes over: a service
// removed behind the portal's back comes back.
import "../support/audit-env";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, it } from "node:test";
import { createDbClient } from "@/lib/db";
import { createEnrollToken } from "@/lib/enroll/tokens";
import { createGatewayClient } from "@/lib/gateways/client";
import type { Db } from "@/lib/db";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import { createTestDatabase, ensurePostgresServer } from "../../scripts/lib/database";
import { startGateway, type GatewayHandle } from "../../scripts/lib/gateway";
import { freePort } from "../../scripts/lib/net";
import { ensureBuild, startPortal, type PortalHandle } from "../../scripts/lib/portal";
import { admin, seedAdmin, tempDir, waitFor } from "./helpers";

const dir = tempDir("portals");
const portals: Record<"A" | "B", PortalHandle | null> = { A: null, B: null };
let db: Db;
let dropDb: () => Promise<void>;
let gateway: GatewayHandle | null = null;

const leaderLine = (p: PortalHandle) => /"event":"reconcile_leader"/.test(fs.readFileSync(p.logFile, "utf8"));

before(
  async () => {
    ensureBuild((l) => console.log(l));
    const t = await createTestDatabase(await ensurePostgresServer());
    db = createDbClient(t.url);
    dropDb = async () => {
      await db.$disconnect();
      await t.drop();
    };
    await seedAdmin(db);
    await createService(db, admin, createServiceSchema.parse({ name: "shop", nodes: [{ addr: "127.0.0.1:18081" }] }));
    const env = {
      DATABASE_URL: t.url,
      GRAYLANE_SECRET_KEY: process.env.GRAYLANE_SECRET_KEY!,
      GRAYLANE_AUDIT_KEY: process.env.GRAYLANE_AUDIT_KEY!,
      GRAYLANE_AUDIT_CHECKPOINT_DIR: process.env.GRAYLANE_AUDIT_CHECKPOINT_DIR!,
      GRAYLANE_SESSION_SECRET: randomBytes(32).toString("hex"),
      GRAYLANE_TESTER_KEY: randomBytes(32).toString("hex"),
      GRAYLANE_RECONCILE_INTERVAL_MS: "500",
      // Only the reconciler's loop matters here: fewer processes competing on 2 cores.
      GRAYLANE_ANALYZER: "off",
      GRAYLANE_SAMPLER: "off",
      GRAYLANE_AUDIT_CHECKPOINTS: "off",
    };
    for (const name of ["A", "B"] as const) {
      portals[name] = await startPortal({ host: "127.0.0.1", port: await freePort(), logFile: path.join(dir, `portal-${name}.log`), env });
    }
  },
  { timeout: 600_000 },
);

after(async () => {
  await gateway?.stop();
  for (const p of Object.values(portals)) await p?.stop();
  await dropDb?.();
});

it("one reconciler at a time; a gateway enrolled through the real route gets the service; the other portal takes over when the leader dies", { timeout: 180_000 }, async () => {
  const { token } = await createEnrollToken(db, admin, { name: "portals" });
  const adminListen = `127.0.0.1:${await freePort()}`;
  const adminToken = randomBytes(20).toString("hex");
  // nginx inherits this process's environment: the enrollment settings for this one start.
  const saved = { ...process.env };
  Object.assign(process.env, {
    GRAYLANE_PORTAL_URL: portals.A!.url,
    GRAYLANE_ENROLL_TOKEN: token,
    GRAYLANE_GATEWAY_NAME: "edge-portals",
    GRAYLANE_GATEWAY_ADMIN_URL: `http://${adminListen}`,
  });
  try {
    gateway = await startGateway({ token: adminToken, stateDir: tempDir("portals-gw"), adminListen, workers: 1 });
  } finally {
    process.env = saved;
  }
  const row = await waitFor("enrollment through portal A", () => db.gateway.findUnique({ where: { name: "edge-portals" } }), 60_000);
  assert.equal(row.adminUrl, `http://${adminListen}`);
  const client = createGatewayClient({ adminUrl: gateway.adminUrl, token: adminToken });
  await waitFor("the reconciler pushes shop to the new gateway", async () => (await client.getUpstream("shop"))?.revision === 1, 60_000);

  const leaders = (["A", "B"] as const).filter((n) => leaderLine(portals[n]!));
  assert.equal(leaders.length, 1, `exactly one reconcile leader, got ${leaders.join(",") || "none"}`);
  const [leader] = leaders;
  const other = leader === "A" ? "B" : "A";
  const [{ n }] = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = ${0x67726179}::oid AND objid = 2 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
  assert.equal(Number(n), 1, "advisory locks held on the reconciler's id");

  const repairsBefore = await db.auditEvent.count({ where: { action: "service.sync", serviceName: "shop" } });
  // A crash, not a clean stop: the lock goes with the leader's database session.
  process.kill(-portals[leader]!.child.pid!, "SIGKILL");
  await new Promise((r) => portals[leader]!.child.once("exit", r));
  portals[leader] = null;
  await client.deleteUpstream("shop");
  assert.equal(await client.getUpstream("shop"), null);
  await waitFor(`portal ${other} takes over`, async () => leaderLine(portals[other]!), 60_000);
  await waitFor("the new leader repairs the gateway", async () => (await client.getUpstream("shop"))?.revision === 1, 60_000);
  // The sync's event is written once its pushes are seen to land: just after the gateway has it.
  const repairs = await waitFor("the repair's event", async () => {
    const all = await db.auditEvent.findMany({ where: { action: "service.sync", serviceName: "shop" }, orderBy: { id: "asc" } });
    return all.length > repairsBefore ? all : null;
  }, 10_000);
  assert.equal(repairs.length, repairsBefore + 1, `repair events: ${JSON.stringify(repairs.map((e) => [e.actorEmail, e.reason]))}`);
  assert.equal(repairs.at(-1)?.actorEmail, "system");
});
