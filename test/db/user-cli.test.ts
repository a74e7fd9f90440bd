// `npm run user`: the real script against a real, migrated database.
import "../support/audit-env";
import assert from "node:assert/strict";
import os from "node:os";
import { after, before, test } from "node:test";

import { verifyAuditChain } from "../../lib/audit/verify";
import { createDbClient } from "../../lib/db";
import { verifyPassword } from "../../lib/passwords";
import { createTestDatabase, ensurePostgresServer, runPrisma, type TestDatabase } from "../../scripts/lib/database";
import { runScript } from "../audit/helpers";

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase(await ensurePostgresServer());
});
after(async () => {
  await database?.drop();
});

const userCli = (...args: string[]) => runScript("user.ts", args, { DATABASE_URL: database.url });

test("user CLI: create with a generated password, list, set-password, disable", async () => {
  const created = await userCli("create", "--email", "Ops@Example.com", "--role", "OPERATOR", "--name", "Ops");
  assert.equal(created.code, 0, created.stderr);
  const password = /password: (\S+)/.exec(created.stdout)?.[1];
  assert.ok(password && password.length >= 16, created.stdout);

  const db = createDbClient(database.url);
  try {
    const user = await db.user.findUniqueOrThrow({ where: { email: "ops@example.com" } });
    assert.equal(user.role, "OPERATOR");
    assert.equal(user.name, "Ops");
    assert.ok(await verifyPassword(user.passwordHash, password));

    const listed = await userCli("list");
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /ops@example\.com\tOPERATOR\tactive/);

    const changed = await userCli("set-password", "--email", "ops@example.com", "--password", "correct horse battery");
    assert.equal(changed.code, 0, changed.stderr);
    const after = await db.user.findUniqueOrThrow({ where: { email: "ops@example.com" } });
    assert.ok(await verifyPassword(after.passwordHash, "correct horse battery"));

    const disabled = await userCli("disable", "--email", "ops@example.com");
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.equal((await db.user.findUniqueOrThrow({ where: { email: "ops@example.com" } })).disabled, true);

    const duplicate = await userCli("create", "--email", "ops@example.com", "--role", "ADMIN");
    assert.equal(duplicate.code, 2);
    assert.match(duplicate.stderr, /email: a user with email ops@example\.com already exists/);
  } finally {
    await db.$disconnect();
  }
});

test("user CLI: every change is audited like the UI's, with the same last-admin guard", async () => {
  const db = createDbClient(database.url);
  const actor = `cli:${os.userInfo().username}`;
  const audited = async (email: string) =>
    (await db.auditEvent.findMany({ where: { targetName: email }, orderBy: { id: "asc" } })).map((e) => ({
      action: e.action,
      actorEmail: e.actorEmail,
      actorRole: e.actorRole,
      after: e.after,
    }));
  try {
    const email = "boss@example.com";
    const run = async (...args: string[]) => {
      const r = await userCli(...args);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      return r;
    };
    await run("create", "--email", email, "--role", "ADMIN", "--password", "a long enough password");
    await run("set-password", "--email", email, "--password", "another long password");
    // The only enabled admin of this database (ops@ is no admin).
    const lastAdmin = await userCli("disable", "--email", email);
    assert.equal(lastAdmin.code, 2, lastAdmin.stdout + lastAdmin.stderr);
    assert.match(lastAdmin.stderr, /would leave no enabled admin/);
    const demote = await userCli("role", "--email", email, "--role", "OPERATOR");
    assert.equal(demote.code, 2);
    assert.match(demote.stderr, /would leave no enabled admin/);
    await run("create", "--email", "second@example.com", "--role", "ADMIN");
    await run("role", "--email", email, "--role", "MANAGER");
    await run("role", "--email", email, "--role", "ADMIN");
    await run("disable", "--email", email);
    await run("enable", "--email", email);
    const view = { email, name: "", disabled: false };
    assert.deepEqual(await audited(email), [
      { action: "user.create", actorEmail: actor, actorRole: "CLI", after: { ...view, role: "ADMIN" } },
      { action: "user.password_reset", actorEmail: actor, actorRole: "CLI", after: null },
      { action: "user.role", actorEmail: actor, actorRole: "CLI", after: { ...view, role: "MANAGER" } },
      { action: "user.role", actorEmail: actor, actorRole: "CLI", after: { ...view, role: "ADMIN" } },
      { action: "user.disable", actorEmail: actor, actorRole: "CLI", after: { ...view, role: "ADMIN", disabled: true } },
      { action: "user.enable", actorEmail: actor, actorRole: "CLI", after: { ...view, role: "ADMIN" } },
    ]);
    // The first test's commands were audited too.
    assert.deepEqual((await audited("ops@example.com")).map((e) => e.action), ["user.create", "user.password_reset", "user.disable"]);
    const report = await verifyAuditChain(db);
    assert.equal(report.ok, true);
  } finally {
    await db.$disconnect();
  }
});

test("user CLI: a bad role or email is refused, naming the field", async () => {
  const badRole = await userCli("create", "--email", "x@example.com", "--role", "ROOT");
  assert.equal(badRole.code, 2);
  assert.match(badRole.stderr, /role: must be one of ADMIN, OPERATOR, MANAGER/);

  const badEmail = await userCli("create", "--email", "not-an-email", "--role", "ADMIN");
  assert.equal(badEmail.code, 2);
  assert.match(badEmail.stderr, /email: must be an email address/);

  const shortPassword = await userCli("create", "--email", "y@example.com", "--role", "ADMIN", "--password", "short");
  assert.equal(shortPassword.code, 2);
  assert.match(shortPassword.stderr, /password: must be at least 12 characters/);

  const db = createDbClient(database.url);
  try {
    assert.equal(await db.user.count({ where: { email: { in: ["x@example.com", "y@example.com"] } } }), 0);
  } finally {
    await db.$disconnect();
  }
});

test("the seed (`prisma db seed`, the demo's first start) creates the first admin once", async () => {
  const empty = await createTestDatabase(await ensurePostgresServer());
  const seed = async () => {
    const r = await runPrisma(["db", "seed"], empty.url);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const m = /created (\S+) with password (\S+)/.exec(r.stdout);
    return m ? { email: m[1], password: m[2] } : null;
  };
  try {
    const first = await seed();
    assert.equal(first?.email, "admin@graylane.local");
    assert.ok((first?.password.length ?? 0) >= 16);
    assert.equal(await seed(), null);
    const db = createDbClient(empty.url);
    try {
      const admin = await db.user.findUniqueOrThrow({ where: { email: "admin@graylane.local" } });
      assert.equal(admin.role, "ADMIN");
      assert.ok(await verifyPassword(admin.passwordHash, first!.password));
    } finally {
      await db.$disconnect();
    }
  } finally {
    await empty.drop();
  }
});
