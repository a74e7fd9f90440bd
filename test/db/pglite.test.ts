// The embedded database of `npm run demo`: PGlite served over pglite-socket,
// migrated by the real CLI, used by the Prisma client through one connection.
import "../support/audit-env";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";

import { appendAuditEvent } from "../../lib/audit/chain";
import { verifyAuditChain } from "../../lib/audit/verify";
import { createDbClient } from "../../lib/db";
import { migrateDeploy, startEmbeddedPostgres } from "../../scripts/lib/database";

const pick = ({ ok, checked }: { ok: boolean; checked: number }) => ({ ok, checked });

test("embedded PGlite: migrate deploy, queries, a restart keeps the data", async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "graylane-pglite-"));
  const savedPoolMax = process.env.GRAYLANE_DB_POOL_MAX;
  try {
    let pg = await startEmbeddedPostgres({ dataDir });
    assert.equal(pg.env.GRAYLANE_DB_POOL_MAX, "1");
    assert.equal(pg.env.DATABASE_URL, pg.url);
    try {
      await migrateDeploy(pg.url);
      process.env.GRAYLANE_DB_POOL_MAX = pg.env.GRAYLANE_DB_POOL_MAX;
      const db = createDbClient(pg.url);
      try {
        // Several queries at once from one process share the single connection.
        const [users, services, one] = await Promise.all([
          db.user.count(),
          db.service.findMany(),
          db.$queryRaw<{ one: number }[]>`SELECT 1 AS one`,
          db.$transaction((tx) => appendAuditEvent(tx, {
            actorEmail: "demo@example.com", actorRole: "ADMIN", action: "service.create",
            targetType: "service", targetName: "demo",
          })),
        ]);
        assert.equal(users, 0);
        assert.deepEqual(services, []);
        assert.deepEqual(one, [{ one: 1 }]);
        await db.service.create({ data: { name: "demo", gray: { percent: 0, cidrs: [] } } });
        assert.deepEqual(pick(await verifyAuditChain(db)), { ok: true, checked: 1 });
        await assert.rejects(db.$executeRaw`DELETE FROM "AuditEvent"`, /append-only/);
      } finally {
        await db.$disconnect();
      }
    } finally {
      await pg.stop();
    }

    pg = await startEmbeddedPostgres({ dataDir });
    const db = createDbClient(pg.url);
    try {
      assert.equal((await db.service.findUnique({ where: { name: "demo" } }))?.name, "demo");
    } finally {
      await db.$disconnect();
      await pg.stop();
    }
  } finally {
    if (savedPoolMax === undefined) delete process.env.GRAYLANE_DB_POOL_MAX;
    else process.env.GRAYLANE_DB_POOL_MAX = savedPoolMax;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
