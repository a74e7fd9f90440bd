// The attacks of issue 11, each performed as the owner of the audit tables (not a
// superuser) on a database set up with `npm run db -- roles`, then `npm run db --
// verify-audit` run as the portal's app role: it must fail (exit 3) and name the first
// event affected. The clean chain verifies. Each attack runs on its own copy of one
// seeded database (CREATE DATABASE … TEMPLATE), so no attack is undone by hand.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { appendAuditEvent, canonicalJson, computeEventHash, REANCHOR_ACTION } from "@/lib/audit/chain";
import { writeCheckpoint } from "@/lib/audit/checkpoints";
import { appendAuditOutcomes } from "@/lib/audit/outcomes";
import { createDbClient } from "@/lib/db";
import type { AuditEvent } from "@/lib/generated/prisma/client";
import { createTestDatabase, ensurePostgresServer, type TestDatabase } from "../../scripts/lib/database";
import { applyRoles, asRole, createRoles, dbCli } from "./helpers";

let server: string;
let roles: Awaited<ReturnType<typeof createRoles>>;
let keyed: TestDatabase;
let legacy: TestDatabase;
/** The seeded events of `keyed`, oldest first. */
let events: AuditEvent[];
let failedEventId: bigint;
let legacyEvents: AuditEvent[];

const adminQuery = async (text: string) => {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
};

before(async () => {
  server = await ensurePostgresServer();
  keyed = await createTestDatabase(server, { prefix: "graylane_attack" });
  roles = await createRoles(keyed.url);

  // The portal's writes, as the app role: ten changes each followed by its push outcomes
  // (one failed gateway on every third), then three changes without outcomes.
  const app = createDbClient(asRole(keyed.url, roles.app));
  try {
    for (let i = 0; i < 10; i++) {
      const e = await app.$transaction((tx) =>
        appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "node.weight", targetType: "node", targetName: `10.0.0.${i}:80`, serviceName: "shop", before: { weight: 1 }, after: { weight: i + 2 } }),
      );
      const failed = i % 3 === 1;
      await app.$transaction((tx) =>
        appendAuditOutcomes(tx, e.id, [
          { gatewayId: null, gatewayName: "gw-a", ok: true, status: null, code: null, message: "", durationMs: 4 },
          { gatewayId: null, gatewayName: "gw-b", ok: !failed, status: failed ? 502 : null, code: failed ? "gateway_error" : null, message: failed ? "bad gateway" : "", durationMs: 9 },
        ]),
      );
    }
    for (let i = 0; i < 3; i++) {
      await app.$transaction((tx) =>
        appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "release.step", targetType: "release", targetName: `r${i}`, after: { percent: 10 * (i + 1) } }),
      );
    }
    events = await app.auditEvent.findMany({ orderBy: { id: "asc" } });
    failedEventId = (await app.auditOutcome.findFirstOrThrow({ where: { ok: false }, orderBy: { id: "asc" } })).eventId;
  } finally {
    await app.$disconnect();
  }
  assert.equal(events.length, 23);

  // A database from before the keyed chain: unkeyed events and outcomes, as the old code wrote them.
  legacy = await createTestDatabase(server, { prefix: "graylane_attack" });
  const old = createDbClient(legacy.url);
  try {
    let prevHash: string | null = null;
    for (let i = 0; i < 5; i++) {
      const fields = {
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
        actorId: null, actorEmail: "old@x.test", actorRole: "ADMIN", clientIp: "", userAgent: "",
        action: "node.state", targetType: "node", targetName: `10.1.0.${i}:80`, serviceName: "legacy", releaseId: null,
        before: null, after: { state: "down" }, reason: null,
      };
      const hash = computeEventHash(prevHash, fields);
      const e = await old.auditEvent.create({ data: { ...fields, before: undefined, prevHash, hash } });
      await old.auditOutcome.create({ data: { eventId: e.id, gatewayName: "gw-old", ok: i !== 2, status: i === 2 ? 500 : 200, durationMs: 3 } });
      prevHash = hash;
    }
  } finally {
    await old.$disconnect();
  }
  // The upgrade: roles, then migrations (and the re-anchor) as the owner role.
  await applyRoles(legacy.url, roles);
  const migrated = await dbCli(["migrate"], { DATABASE_URL: asRole(legacy.url, roles.owner) });
  assert.equal(migrated.code, 0, migrated.stdout + migrated.stderr);
  assert.match(migrated.stdout, /audit chain re-anchored at event 6/);
  const after = createDbClient(legacy.url);
  try {
    await after.$transaction((tx) =>
      appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "node.state", targetType: "node", targetName: "10.1.0.9:80", serviceName: "legacy", after: { state: "active" } }),
    );
    legacyEvents = await after.auditEvent.findMany({ orderBy: { id: "asc" } });
  } finally {
    await after.$disconnect();
  }
});

after(async () => {
  await legacy?.drop();
  await keyed?.drop();
  await roles?.drop(server);
});

type Ctx = { owner: pg.Client; ownerDb: ReturnType<typeof createDbClient>; app: ReturnType<typeof createDbClient> };

/**
 * Copies `template`, signs a checkpoint as the portal would, lets `attack` loose as the
 * table owner, then runs `npm run db -- verify-audit` as the app role.
 */
async function scenario(template: TestDatabase, attack: (ctx: Ctx) => Promise<void>) {
  const name = `graylane_attack_${randomBytes(5).toString("hex")}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${template.name}"`);
  const url = (() => {
    const u = new URL(server);
    u.pathname = `/${name}`;
    return u.toString();
  })();
  const dir = mkdtempSync(path.join(os.tmpdir(), "graylane-checkpoints-"));
  const appUrl = asRole(url, roles.app);
  const ownerUrl = asRole(url, roles.owner);
  const app = createDbClient(appUrl);
  const ownerDb = createDbClient(ownerUrl);
  const owner = new pg.Client({ connectionString: ownerUrl });
  try {
    await writeCheckpoint(app, { root: dir });
    await owner.connect();
    await attack({ owner, ownerDb, app });
    await owner.end();
    await app.$disconnect();
    await ownerDb.$disconnect();
    const r = await dbCli(["verify-audit"], { DATABASE_URL: appUrl, GRAYLANE_AUDIT_CHECKPOINT_DIR: dir });
    const m = /BROKEN at event (\d+) \[(\w+)\]/.exec(r.stdout);
    return { ...r, brokenAt: m ? BigInt(m[1]) : null, breakCode: m?.[2] ?? null };
  } finally {
    await owner.end().catch(() => undefined);
    await app.$disconnect();
    await ownerDb.$disconnect();
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withTriggerOff(owner: pg.Client, table: "AuditEvent" | "AuditOutcome", fn: () => Promise<unknown>) {
  // The owner may do this; the app role may not (test/db/roles.test.ts).
  await owner.query(`ALTER TABLE "${table}" DISABLE TRIGGER "${table}_append_only"`);
  try {
    await fn();
  } finally {
    await owner.query(`ALTER TABLE "${table}" ENABLE TRIGGER "${table}_append_only"`);
  }
}

function assertBroken(r: Awaited<ReturnType<typeof scenario>>, id: bigint, code: string) {
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.equal(r.breakCode, code, r.stdout);
  assert.equal(r.brokenAt, id, r.stdout);
}

describe("verify-audit against the table owner", () => {
  test("the clean chain verifies and says how many events are not anchored yet", async () => {
    const r = await scenario(keyed, async ({ app }) => {
      for (let i = 0; i < 2; i++) {
        await app.$transaction((tx) => appendAuditEvent(tx, { actorEmail: "ops@x.test", actorRole: "OPERATOR", action: "node.add", targetType: "node", targetName: `10.2.0.${i}:80` }));
      }
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /audit log intact: 25 events checked; last checkpoint 1 .*event #23, 23 events\); 2 events after the last checkpoint/);
  });

  test("an event edited behind the disabled trigger", async () => {
    const victim = events[6];
    const r = await scenario(keyed, ({ owner }) =>
      withTriggerOff(owner, "AuditEvent", () => owner.query(`UPDATE "AuditEvent" SET "after" = '{"weight": 99}' WHERE id = $1`, [victim.id])),
    );
    assertBroken(r, victim.id, "content_changed");
  });

  test("an event edited and the chain re-hashed with the project's own (unkeyed) hash code", async () => {
    const victim = events[4];
    const r = await scenario(keyed, async ({ owner, ownerDb }) => {
      const rows = await ownerDb.auditEvent.findMany({ where: { id: { gte: victim.id } }, orderBy: { id: "asc" } });
      let prevHash = rows[0].prevHash;
      await withTriggerOff(owner, "AuditEvent", async () => {
        for (const row of rows) {
          const changed = row.id === victim.id ? { ...row, after: { weight: 1 } } : row;
          const hash = computeEventHash(prevHash, changed);
          await owner.query(`UPDATE "AuditEvent" SET "after" = $2::jsonb, "prevHash" = $3, "hash" = $4 WHERE id = $1`, [row.id, canonicalJson(changed.after), prevHash, hash]);
          prevHash = hash;
        }
      });
    });
    assertBroken(r, victim.id, "rehashed_without_key");
  });

  test("the newest events deleted (the tail behind the last checkpoint)", async () => {
    const tail = events.slice(-3);
    const r = await scenario(keyed, ({ owner }) =>
      withTriggerOff(owner, "AuditEvent", () => owner.query(`DELETE FROM "AuditEvent" WHERE id >= $1`, [tail[0].id])),
    );
    assertBroken(r, tail[2].id, "tail_missing");
    assert.match(r.stdout, new RegExp(`signed 23 events up to #${tail[2].id}, but the log ends at #${events[19].id} with 20 events`));
  });

  test("a forged event appended with a correct unkeyed hash", async () => {
    let forgedId = 0n;
    const r = await scenario(keyed, async ({ ownerDb }) => {
      const head = events[events.length - 1];
      const fields = {
        createdAt: new Date(), actorId: null, actorEmail: "ops@x.test", actorRole: "OPERATOR", clientIp: "", userAgent: "",
        action: "release.promote", targetType: "release", targetName: "r2", serviceName: null, releaseId: null,
        before: null, after: { approved: true }, reason: null,
      };
      const forged = await ownerDb.auditEvent.create({
        data: { ...fields, before: undefined, prevHash: head.hash, keyId: head.keyId, hash: computeEventHash(head.hash, fields) },
      });
      forgedId = forged.id;
    });
    assertBroken(r, forgedId, "rehashed_without_key");
  });

  test("a gateway outcome added to an event", async () => {
    const victim = events[2];
    const r = await scenario(keyed, async ({ ownerDb }) => {
      await ownerDb.auditOutcome.create({ data: { eventId: victim.id, gatewayName: "gw-c", ok: true, durationMs: 1 } });
    });
    assertBroken(r, victim.id, "outcome_added");
  });

  test("a failed gateway outcome edited into a success", async () => {
    const r = await scenario(keyed, ({ owner }) =>
      withTriggerOff(owner, "AuditOutcome", () =>
        owner.query(`UPDATE "AuditOutcome" SET "ok" = true, "status" = NULL, "code" = NULL, "message" = '' WHERE "eventId" = $1 AND NOT "ok"`, [failedEventId]),
      ),
    );
    assertBroken(r, failedEventId, "outcome_changed");
  });

  test("a failed gateway outcome deleted", async () => {
    const r = await scenario(keyed, ({ owner }) =>
      withTriggerOff(owner, "AuditOutcome", () => owner.query(`DELETE FROM "AuditOutcome" WHERE "eventId" = $1 AND NOT "ok"`, [failedEventId])),
    );
    assertBroken(r, failedEventId, "outcome_missing");
  });
});

describe("events from before the keyed chain", () => {
  test("are verified with the old rule up to the re-anchor event, never rewritten", async () => {
    assert.deepEqual(legacyEvents.map((e) => e.keyId === null), [true, true, true, true, true, false, false]);
    assert.equal(legacyEvents[5].action, REANCHOR_ACTION);
    assert.equal(legacyEvents[5].prevHash, legacyEvents[4].hash);
    const r = await scenario(legacy, async () => undefined);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /7 events checked, 5 of them with the unkeyed rule before the re-anchor/);
  });

  test("an old event edited and the old chain re-hashed breaks at the re-anchor", async () => {
    const r = await scenario(legacy, async ({ owner, ownerDb }) => {
      const rows = await ownerDb.auditEvent.findMany({ where: { keyId: null }, orderBy: { id: "asc" } });
      let prevHash: string | null = rows[0].prevHash;
      await withTriggerOff(owner, "AuditEvent", async () => {
        for (const row of rows) {
          const changed = row.id === rows[1].id ? { ...row, actorEmail: "someone-else@x.test" } : row;
          const hash = computeEventHash(prevHash, changed);
          await owner.query(`UPDATE "AuditEvent" SET "actorEmail" = $2, "prevHash" = $3, "hash" = $4 WHERE id = $1`, [row.id, changed.actorEmail, prevHash, hash]);
          prevHash = hash;
        }
      });
    });
    assertBroken(r, legacyEvents[5].id, "broken_link");
  });

  test("an old outcome edited is caught by the re-anchor's digest", async () => {
    const r = await scenario(legacy, ({ owner }) =>
      withTriggerOff(owner, "AuditOutcome", () => owner.query(`UPDATE "AuditOutcome" SET "ok" = true WHERE NOT "ok"`)),
    );
    assertBroken(r, legacyEvents[5].id, "outcome_changed");
  });
});
