// Verification of the chain as the "Verify integrity" button runs it: OK with the count,
// then the first tampered event (changed with the trigger disabled) with a stable code.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import pg from "pg";
import { appendAuditEvent } from "@/lib/audit/chain";
import { verifyAuditChain } from "@/lib/audit/verify";
import { freshDatabase, type AuditTestDb } from "./helpers";

let t: AuditTestDb;
before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t?.stop();
});

test("verify reports OK, then the tampered row and why", async () => {
  for (let i = 0; i < 12; i++) {
    await t.db.$transaction((tx) =>
      appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "node.weight", targetType: "node", targetName: `10.0.0.${i}:80`, serviceName: "shop", after: { weight: i } }),
    );
  }
  const intact = await verifyAuditChain(t.db, { batchSize: 5 });
  assert.equal(intact.ok, true);
  assert.equal(intact.checked, 12);

  const victim = (await t.db.auditEvent.findMany({ orderBy: { id: "asc" } }))[8];
  const sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
  try {
    await assert.rejects(sql.query(`UPDATE "AuditEvent" SET "reason" = 'nothing happened' WHERE id = $1`, [victim.id]), /append-only/);
    await sql.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"');
    try {
      await sql.query(`UPDATE "AuditEvent" SET "after" = '{"weight": 99}' WHERE id = $1`, [victim.id]);
    } finally {
      await sql.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"');
    }
  } finally {
    await sql.end();
  }
  const report = await verifyAuditChain(t.db, { batchSize: 5 });
  assert.equal(report.ok, false);
  if (report.ok) return;
  assert.equal(report.brokenAt, victim.id);
  assert.equal(report.checked, 8);
  assert.equal(report.code, "content_changed");
});
