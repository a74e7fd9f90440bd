// Signed checkpoints outside the database: written only when the chain moved, chained to
// each other, refused over a chain that lost its checkpointed event, and checked by the
// verifier; key rotation keeps old events and checkpoints verifiable.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import pg from "pg";
import { appendAuditEvent } from "@/lib/audit/chain";
import { checkpointDirFor, readCheckpoints, writeCheckpoint } from "@/lib/audit/checkpoints";
import { loadAuditKeyring } from "@/lib/audit/keys";
import { verifyAuditChain } from "@/lib/audit/verify";
import { freshDatabase, type AuditTestDb } from "./helpers";

let t: AuditTestDb;
const root = mkdtempSync(path.join(os.tmpdir(), "graylane-cp-test-"));
const oldKey = randomBytes(32).toString("hex");
const newKey = randomBytes(32).toString("hex");
const ringOld = loadAuditKeyring({ GRAYLANE_AUDIT_KEY: oldKey });
const ringNew = loadAuditKeyring({ GRAYLANE_AUDIT_KEY: newKey, GRAYLANE_AUDIT_KEYS_OLD: oldKey });

before(async () => {
  t = await freshDatabase();
});
after(async () => {
  await t?.stop();
});

const append = (ring: typeof ringOld, n: number) =>
  t.db.$transaction((tx) => appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "node.add", targetType: "node", targetName: `n${n}` }, ring));

test("checkpoints: chained, only when the chain moved, verified with rotated keys", async () => {
  for (let i = 0; i < 3; i++) await append(ringOld, i);
  const first = await writeCheckpoint(t.db, { root, ring: ringOld });
  assert.equal(first.written, true);
  assert.equal(first.checkpoint?.count, 3);
  assert.equal(first.checkpoint?.prev, null);
  assert.equal((await writeCheckpoint(t.db, { root, ring: ringOld })).written, false, "nothing new");

  // Rotation: new events and checkpoints under the new key, the old ones still verify.
  for (let i = 3; i < 5; i++) await append(ringNew, i);
  const second = await writeCheckpoint(t.db, { root, ring: ringNew });
  assert.equal(second.checkpoint?.seq, 2);
  assert.equal(second.checkpoint?.prev, first.checkpoint?.mac);
  assert.equal(second.checkpoint?.keyId, ringNew.current.id);
  await append(ringNew, 5);

  const report = await verifyAuditChain(t.db, { ring: ringNew, checkpointRoot: root });
  assert.equal(report.ok, true, JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
  assert.equal(report.checkpoints, 2);
  assert.equal(report.unanchored, 1);
  // Without the old key the first events cannot be checked.
  const noOld = await verifyAuditChain(t.db, { ring: loadAuditKeyring({ GRAYLANE_AUDIT_KEY: newKey }), checkpointRoot: null });
  assert.equal(noOld.ok, false);
  if (!noOld.ok) assert.equal(noOld.code, "unknown_key");

  // A checkpoint file edited by hand (a smaller count) no longer verifies.
  const dir = checkpointDirFor(root, t.database.name);
  const file = path.join(dir, readdirSync(dir).find((f) => f.endsWith(".jsonl"))!);
  const original = readFileSync(file, "utf8");
  writeFileSync(file, original.replace('"count":5', '"count":4'));
  assert.match(readCheckpoints(dir, t.database.name, ringNew).problem?.reason ?? "", /signature does not match/);
  const tampered = await verifyAuditChain(t.db, { ring: ringNew, checkpointRoot: root });
  assert.equal(tampered.ok, false);
  if (!tampered.ok) assert.equal(tampered.code, "checkpoint_invalid");
  writeFileSync(file, original);

  // The checkpointed head deleted: the writer refuses to sign over it.
  const sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
  try {
    await sql.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"');
    await sql.query(`DELETE FROM "AuditEvent" WHERE id >= $1`, [BigInt(second.checkpoint!.lastEventId)]);
    await sql.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"');
  } finally {
    await sql.end();
  }
  await append(ringNew, 6);
  await assert.rejects(writeCheckpoint(t.db, { root, ring: ringNew }), /signed by checkpoint 2 is gone/);
});
