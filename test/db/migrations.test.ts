// Migrations deploy on a fresh database through the real Prisma CLI and our
// schema-engine bridge, and the drift check tells schema and migrations apart.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import pg from "pg";

import { createTestDatabase, ensurePostgresServer, projectRoot, runPrisma, type TestDatabase } from "../../scripts/lib/database";

let database: TestDatabase;

before(async () => {
  database = await createTestDatabase(await ensurePostgresServer());
});
after(async () => {
  await database?.drop();
});

test("migrate deploy applies every migration to a fresh database", async () => {
  const folders = readdirSync(path.join(projectRoot, "prisma", "migrations"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const applied = await client.query(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name",
    );
    assert.deepEqual(applied.rows.map((row) => row.migration_name), folders);
    const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    const names = tables.rows.map((row) => row.tablename);
    for (const table of ["User", "Service", "Node", "Gateway", "AuditEvent", "AuditOutcome"]) {
      assert.ok(names.includes(table), `table ${table} exists`);
    }
  } finally {
    await client.end();
  }
  // A second deploy has nothing to do and succeeds.
  const again = await runPrisma(["migrate", "deploy"], database.url);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /No pending migrations/);
});

test("migrate status reports the database up to date", async () => {
  const status = await runPrisma(["migrate", "status"], database.url);
  assert.equal(status.code, 0, status.stdout + status.stderr);
  assert.match(status.stdout, /Database schema is up to date/);
});

const driftArgs = (schema: string) => [
  "migrate", "diff", "--from-migrations", "prisma/migrations", "--to-schema", schema, "--exit-code",
];

test("drift check: schema and migrations agree (exit 0)", async () => {
  const result = await runPrisma(driftArgs("prisma/schema.prisma"), database.url);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /No difference detected/);
});

test("drift check: a field missing from the migrations is reported (exit 2)", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "graylane-drift-"));
  try {
    const schema = path.join(dir, "schema.prisma");
    copyFileSync(path.join(projectRoot, "prisma", "schema.prisma"), schema);
    const text = readFileSync(schema, "utf8").replace(/^model AuditEvent \{$/m, "model AuditEvent {\n  driftProbe String?");
    assert.match(text, /driftProbe/);
    writeFileSync(schema, text);
    const result = await runPrisma(driftArgs(schema), database.url);
    assert.equal(result.code, 2, result.stdout + result.stderr);
    assert.match(result.stdout, /Added column `driftProbe`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("drift check runs with no DATABASE_URL (in-memory shadow)", async () => {
  const result = await runPrisma(driftArgs("prisma/schema.prisma"), undefined);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});
