// `npm run user`: the real script against a real, migrated database.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, test } from "node:test";

import { createDbClient } from "../../lib/db";
import { verifyPassword } from "../../lib/passwords";
import { createTestDatabase, ensureAdminUser, ensurePostgresServer, projectRoot, type TestDatabase } from "../../scripts/lib/database";

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase(await ensurePostgresServer());
});
after(async () => {
  await database?.drop();
});

function userCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "user.ts"), ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: database.url },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

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

test("ensureAdminUser creates the first admin once", async () => {
  const empty = await createTestDatabase(await ensurePostgresServer());
  try {
    const first = await ensureAdminUser(empty.url);
    assert.equal(first?.email, "admin@graylane.local");
    assert.ok((first?.password.length ?? 0) >= 16);
    assert.equal(await ensureAdminUser(empty.url), null);
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
