// "A fresh database": the one setup shared by test/, bench/ and e2e/. Creates
// graylane_test_<random> (or `prefix`_<random>) on the local PostgreSQL server (started if
// needed), applies every migration, opens a Prisma client on it; `stop()` disconnects and
// drops it. Seeding goes through prisma/seed.ts: imported directly where the react-server
// condition is on (the portal suites), or through its command line (runSeed) elsewhere.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDbClient, type Db } from "../../lib/db";
import type { SeedSpec } from "../../prisma/seed";
import { createTestDatabase, ensurePostgresServer, projectRoot, runCollecting, type TestDatabase } from "../../scripts/lib/database";

export type FreshDatabase = {
  db: Db;
  url: string;
  database: TestDatabase;
  stop(): Promise<void>;
};

export async function freshDatabase(opts: { prefix?: string; serverUrl?: string } = {}): Promise<FreshDatabase> {
  const database = await createTestDatabase(opts.serverUrl ?? (await ensurePostgresServer()), { prefix: opts.prefix });
  const db = createDbClient(database.url);
  return {
    db,
    url: database.url,
    database,
    stop: async () => {
      await db.$disconnect().catch(() => undefined);
      await database.drop();
    },
  };
}

/**
 * Runs `prisma/seed.ts spec` against `url` in a child process (for callers without the
 * react-server condition, e.g. Playwright's global setup). `env` carries the keys the seed
 * writes with (GRAYLANE_SECRET_KEY, GRAYLANE_AUDIT_KEY). Returns the ids it printed.
 */
export async function runSeed(url: string, spec: SeedSpec, env: Record<string, string> = {}): Promise<{ users: { email: string; id: string }[]; gateways: { name: string; id: string }[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "graylane-seed-"));
  try {
    const file = path.join(dir, "spec.json");
    writeFileSync(file, JSON.stringify(spec), { mode: 0o600 });
    const r = await runCollecting(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", path.join(projectRoot, "prisma", "seed.ts"), file],
      { ...process.env, ...env, DATABASE_URL: url },
    );
    if (r.code !== 0) throw new Error(`prisma/seed.ts failed (${r.code}): ${r.stderr || r.stdout}`);
    return JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
