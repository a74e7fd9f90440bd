// The audit tables are append-only in the database, and the hash chain
// detects a row changed behind the trigger's back.
import "../support/audit-env";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import pg from "pg";

import { appendAuditEvent } from "../../lib/audit/chain";
import { verifyAuditChain } from "../../lib/audit/verify";
import { appendAuditOutcomes } from "../../lib/audit/outcomes";
import { createDbClient } from "../../lib/db";
import { createTestDatabase, ensurePostgresServer, type TestDatabase } from "../../scripts/lib/database";

let database: TestDatabase;
let db: ReturnType<typeof createDbClient>;
let sql: pg.Client;

before(async () => {
  database = await createTestDatabase(await ensurePostgresServer());
  db = createDbClient(database.url);
  sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
});
after(async () => {
  await sql?.end();
  await db?.$disconnect();
  await database?.drop();
});

const event = (n: number) => ({
  actorId: null,
  actorEmail: "ops@example.com",
  actorRole: "OPERATOR",
  clientIp: "10.0.0.1",
  action: "node.add",
  targetType: "node",
  targetName: `127.0.0.1:${8000 + n}`,
  serviceName: "shop",
  before: null,
  after: { addr: `127.0.0.1:${8000 + n}`, weight: n, state: "active", nested: { z: 1, a: [1, "x", null] } },
});

test("the audit chain verifies, also with concurrent writers", async () => {
  const first = await db.$transaction((tx) => appendAuditEvent(tx, event(0)));
  assert.equal(first.prevHash, null);
  assert.match(first.hash ?? "", /^[0-9a-f]{64}$/);
  assert.match(first.keyId ?? "", /^[0-9a-f]{16}$/);
  await Promise.all(
    Array.from({ length: 12 }, (_, i) => db.$transaction((tx) => appendAuditEvent(tx, event(i + 1)))),
  );
  const events = await db.auditEvent.findMany({ orderBy: { id: "asc" } });
  assert.equal(events.length, 13);
  for (let i = 1; i < events.length; i++) assert.equal(events[i].prevHash, events[i - 1].hash);
  const report = await verifyAuditChain(db, { batchSize: 5 });
  assert.equal(report.ok, true);
  assert.equal(report.checked, 13);
  // An outcome row for the statements below to be refused on (row triggers need a row).
  await db.$transaction((tx) =>
    appendAuditOutcomes(tx, first.id, [{ gatewayId: null, gatewayName: "gw-1", ok: true, status: 200, code: null, message: "", durationMs: 12 }]),
  );
  assert.equal(await db.auditOutcome.count({ where: { eventId: first.id } }), 1);
});

for (const table of ["AuditEvent", "AuditOutcome"]) {
  for (const statement of [`UPDATE "${table}" SET "createdAt" = now()`, `DELETE FROM "${table}"`, `TRUNCATE "${table}" CASCADE`]) {
    test(`${statement} is refused`, async () => {
      await assert.rejects(sql.query(statement), (error: Error & { code?: string }) => {
        assert.match(error.message, new RegExp(`"${table}" is append-only: (UPDATE|DELETE|TRUNCATE) is not allowed`));
        assert.equal(error.code, "42501");
        return true;
      });
    });
  }
}

test("a row changed with the trigger disabled breaks verification at that row", async () => {
  const events = await db.auditEvent.findMany({ orderBy: { id: "asc" } });
  const victim = events[5];
  await sql.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"');
  try {
    await sql.query(`UPDATE "AuditEvent" SET "actorEmail" = 'someone-else@example.com' WHERE id = $1`, [victim.id]);
  } finally {
    await sql.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"');
  }
  const report = await verifyAuditChain(db, { batchSize: 4 });
  assert.equal(report.ok, false);
  if (report.ok) return;
  assert.equal(report.brokenAt, victim.id);
  assert.equal(report.checked, 5);
  assert.match(report.reason, /content does not match its hash/);

  // Deleting a row instead shows up as a broken link at the row after it.
  await sql.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"');
  try {
    await sql.query(`UPDATE "AuditEvent" SET "actorEmail" = $2 WHERE id = $1`, [victim.id, victim.actorEmail]);
    const intact = await verifyAuditChain(db);
    assert.equal(intact.ok, true);
    assert.equal(intact.checked, events.length);
    await sql.query(`DELETE FROM "AuditEvent" WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM "AuditOutcome" WHERE "eventId" = $1)`, [victim.id]);
  } finally {
    await sql.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"');
  }
  const afterDelete = await verifyAuditChain(db);
  assert.equal(afterDelete.ok, false);
  if (!afterDelete.ok) {
    assert.equal(afterDelete.brokenAt, events[6].id);
    assert.match(afterDelete.reason, /prevHash does not match/);
  }
});
