// The two-role setup of `npm run db -- roles`: the owner migrates, the portal's app role
// works normally but can only read and append the audit tables, and cannot switch off the
// append-only triggers. The attacks the owner can still make are in test/audit/attacks.test.ts.
import "../support/audit-env";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, test } from "node:test";

import pg from "pg";

import { appendAuditEvent } from "../../lib/audit/chain";
import { verifyAuditChain } from "../../lib/audit/verify";
import { appendAuditOutcomes } from "../../lib/audit/outcomes";
import { createDbClient } from "../../lib/db";
import { createTestDatabase, ensurePostgresServer, runPrisma, type TestDatabase } from "../../scripts/lib/database";
import { asRole, dbCli, dropRoles } from "../audit/helpers";

let server: string;
let database: TestDatabase;
const names = { owner: `gl_owner_${randomBytes(4).toString("hex")}`, app: `gl_app_${randomBytes(4).toString("hex")}` };
let app: pg.Client;

before(async () => {
  server = await ensurePostgresServer();
  database = await createTestDatabase(server);
  const printed = await dbCli(["roles", "--owner", names.owner, "--app", names.app], { DATABASE_URL: database.url });
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, new RegExp(`GRANT SELECT, INSERT ON TABLE "AuditEvent", "AuditOutcome" TO "${names.app}"`));
  const applied = await dbCli(["roles", "--apply", "--owner", names.owner, "--app", names.app], { DATABASE_URL: database.url });
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  app = new pg.Client({ connectionString: asRole(database.url, names.app) });
  await app.connect();
});

after(async () => {
  await app?.end();
  await database?.drop();
  await dropRoles(server, names);
});

test("the app role appends and verifies the audit log and uses the other tables", async () => {
  const db = createDbClient(asRole(database.url, names.app));
  try {
    const e = await db.$transaction((tx) => appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "service.create", targetType: "service", targetName: "shop" }));
    await db.$transaction((tx) => appendAuditOutcomes(tx, e.id, [{ gatewayId: null, gatewayName: "gw", ok: true, status: null, code: null, message: "", durationMs: 2 }]));
    const svc = await db.service.create({ data: { name: "shop", gray: { percent: 0, cidrs: [] } } });
    await db.service.update({ where: { id: svc.id }, data: { revision: { increment: 1 } } });
    await db.service.delete({ where: { id: svc.id } });
    const report = await verifyAuditChain(db);
    assert.equal(report.ok, true, JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    assert.equal(report.checked, 2);
  } finally {
    await db.$disconnect();
  }
});

for (const table of ["AuditEvent", "AuditOutcome"]) {
  for (const statement of [
    `UPDATE "${table}" SET "createdAt" = now()`,
    `DELETE FROM "${table}"`,
    `TRUNCATE "${table}" CASCADE`,
    `ALTER TABLE "${table}" DISABLE TRIGGER "${table}_append_only"`,
    `ALTER TABLE "${table}" DISABLE TRIGGER ALL`,
    `DROP TRIGGER "${table}_append_only" ON "${table}"`,
  ]) {
    test(`the app role may not: ${statement}`, async () => {
      await assert.rejects(app.query(statement), (error: Error & { code?: string }) => {
        assert.equal(error.code, "42501", error.message); // insufficient_privilege / must be owner
        return true;
      });
    });
  }
}

test("the app role may not touch the migrations table or create tables", async () => {
  await assert.rejects(app.query(`SELECT * FROM "_prisma_migrations"`), /permission denied/);
  await assert.rejects(app.query(`CREATE TABLE "x" (id int)`), /permission denied/);
});

test("the owner runs migrations", async () => {
  const status = await runPrisma(["migrate", "deploy"], asRole(database.url, names.owner));
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, /No pending migrations/);
});
