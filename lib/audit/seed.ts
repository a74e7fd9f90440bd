// Bulk audit events for benchmarks and tests (bench/audit.ts, test/audit): one
// INSERT … SELECT generate_series in the database, ~1M events in well under a minute.
// Never used by the portal.
//
// The rows are plausible, not real: 40 services, 37 actors, the portal's actions,
// node/service/release targets, a reason on ~3% of them, two gateway outcomes on every
// node/service/release event with ~1% failing on gw-b, createdAt spread evenly from
// `start` in `stepMs` steps. They carry NO hash (prevHash/hash NULL): computing the
// chain's canonical JSON in SQL would double the seeding code, so "verify integrity"
// stops at the first seeded event ("the event has no hash") unless chainSeededEvents
// (below) gives them the chain afterwards, as bench/audit.ts does.
//
// Inserting is allowed by the append-only trigger (it refuses UPDATE/DELETE/TRUNCATE
// only), so no trigger is bypassed. With `rebuildIndexes`, the secondary indexes of both
// audit tables are dropped for the load and recreated from their own definitions
// afterwards (several times faster than maintaining a trigram index row by row).
import type pg from "pg";
import type { AuditEvent, PrismaClient } from "../generated/prisma/client";
import { computeEventHash } from "./chain";

export type SeedOptions = {
  start?: Date;
  stepMs?: number;
  rebuildIndexes?: boolean;
  /** Rows per INSERT statement. */
  chunk?: number;
  onProgress?: (inserted: number) => void;
};

export const SEED_SERVICES = 40;
export const SEED_ACTORS = 37;
export const SEED_GATEWAYS = ["gw-a", "gw-b"] as const;
/** Appears in the reason of one event in 997 (a selective search term). */
export const SEED_RARE_WORD = "hotfix";

const ACTIONS = [
  "node.state", "node.state", "node.state", "node.weight", "node.weight", "node.add", "node.remove", "node.backup",
  "service.update", "service.update", "service.sync", "service.create", "release.start", "release.step", "release.step",
  "release.promote", "release.rollback", "gateway.update", "user.role", "api_token.create",
];

export async function seedAuditEvents(sql: pg.Client, count: number, opts: SeedOptions = {}): Promise<{ firstId: bigint; lastId: bigint }> {
  const start = opts.start ?? new Date(Date.now() - count * (opts.stepMs ?? 30_000));
  const stepMs = opts.stepMs ?? 30_000;
  const chunk = opts.chunk ?? 250_000;
  const dropped: string[] = [];
  if (opts.rebuildIndexes) {
    const { rows } = await sql.query<{ indexname: string; indexdef: string }>(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
       WHERE i.schemaname = current_schema() AND i.tablename IN ('AuditEvent', 'AuditOutcome')
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    );
    for (const r of rows) {
      await sql.query(`DROP INDEX "${r.indexname.replace(/"/g, '""')}"`);
      dropped.push(r.indexdef);
    }
  }
  const before = await sql.query<{ max: string | null }>(`SELECT max(id)::text AS max FROM "AuditEvent"`);
  const baseId = BigInt(before.rows[0].max ?? "0");
  try {
    for (let from = 0; from < count; from += chunk) {
      const to = Math.min(count, from + chunk);
      await sql.query(
        `INSERT INTO "AuditEvent" ("createdAt", "actorId", "actorEmail", "actorRole", "clientIp", "userAgent", "action",
                                   "targetType", "targetName", "serviceName", "releaseId", "before", "after", "reason")
         SELECT $1::timestamp + (g * $2::bigint) * interval '1 millisecond',
                NULL,
                'user' || lpad((h % ${SEED_ACTORS})::text, 2, '0') || '@bench.graylane.test',
                CASE WHEN h % ${SEED_ACTORS} < 5 THEN 'ADMIN' WHEN h % ${SEED_ACTORS} = 36 THEN 'SYSTEM' ELSE 'OPERATOR' END,
                '10.' || (h % 200) || '.' || (h % 7) || '.' || (h % 251),
                'Mozilla/5.0 (X11; Linux x86_64) graylane-bench',
                a.action,
                split_part(a.action, '.', 1),
                CASE split_part(a.action, '.', 1)
                  WHEN 'node' THEN '10.1.' || (h % 50) || '.' || (h % 200) || ':' || (8000 + h % 100)
                  WHEN 'service' THEN 'svc-' || lpad((h2 % ${SEED_SERVICES})::text, 2, '0')
                  WHEN 'release' THEN 'rbench' || (g / 40)
                  WHEN 'gateway' THEN 'gw-' || chr((97 + h % 2)::int)
                  ELSE 'user' || lpad((h2 % ${SEED_ACTORS})::text, 2, '0') || '@bench.graylane.test'
                END,
                CASE WHEN split_part(a.action, '.', 1) IN ('node', 'service', 'release')
                  THEN 'svc-' || lpad((h2 % ${SEED_SERVICES})::text, 2, '0') END,
                CASE WHEN split_part(a.action, '.', 1) = 'release' THEN 'rbench' || (g / 40) END,
                jsonb_build_object('state', 'active', 'weight', 1 + h % 5, 'revision', g),
                jsonb_build_object('state', (ARRAY['active', 'draining', 'gray', 'down'])[1 + h % 4], 'weight', 1 + h2 % 5, 'revision', g + 1),
                CASE WHEN g % 997 = 0 THEN 'emergency ${SEED_RARE_WORD} for ticket OPS-' || (g % 9973)
                     WHEN h % 33 = 0 THEN 'maintenance window ' || (g % 1000) || ' ticket OPS-' || (g % 9973) END
         FROM (SELECT g, (g * 2654435761) % 4294967291 AS h, (g * 40503 + 17) % 1000003 AS h2
               FROM generate_series($3::bigint, $4::bigint) g) s
         CROSS JOIN LATERAL (SELECT (ARRAY[${ACTIONS.map((a) => `'${a}'`).join(", ")}])[1 + (s.h / 7) % ${ACTIONS.length}] AS action) a
         ORDER BY g`,
        [start.toISOString().slice(0, 23), stepMs, from, to - 1],
      );
      opts.onProgress?.(to);
    }
    await sql.query(
      `INSERT INTO "AuditOutcome" ("eventId", "gatewayId", "gatewayName", "ok", "status", "code", "message", "durationMs", "createdAt")
       SELECT e.id, NULL, gw.name, ok, CASE WHEN ok THEN 200 END, CASE WHEN NOT ok THEN 'gateway_unreachable' END,
              CASE WHEN NOT ok THEN 'connect ECONNREFUSED' ELSE '' END, 3 + (e.id % 40)::int, e."createdAt"
       FROM "AuditEvent" e
       CROSS JOIN LATERAL (VALUES ('${SEED_GATEWAYS[0]}', true), ('${SEED_GATEWAYS[1]}', (e.id * 7919) % 100 <> 0)) gw(name, ok)
       WHERE e.id > $1 AND e."targetType" IN ('node', 'service', 'release')`,
      [baseId.toString()],
    );
  } finally {
    for (const def of dropped) await sql.query(def);
  }
  await sql.query(`ANALYZE "AuditEvent"`);
  await sql.query(`ANALYZE "AuditOutcome"`);
  const after = await sql.query<{ max: string }>(`SELECT max(id)::text AS max FROM "AuditEvent"`);
  return { firstId: baseId + 1n, lastId: BigInt(after.rows[0].max) };
}

/**
 * Gives seeded rows (hash NULL) the unkeyed v1 hash chain, as if an installation from
 * before the keyed chain had written them, so the verifier has a million real links to
 * check (bench/audit.ts). Rewrites the scratch rows with the append-only trigger disabled
 * for the duration: only for a benchmark's own database, never the portal's. Call
 * ensureReanchored afterwards to seal them (and their outcomes) under the audit key.
 */
export async function chainSeededEvents(
  sql: pg.Client,
  db: Pick<PrismaClient, "auditEvent" | "$queryRaw">,
  opts: { batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<number> {
  const batchSize = opts.batchSize ?? 5000;
  const first = await db.auditEvent.findFirst({ where: { hash: null }, orderBy: { id: "asc" }, select: { id: true, prevHash: true } });
  if (!first) return 0;
  const before = await db.auditEvent.findFirst({ where: { id: { lt: first.id } }, orderBy: { id: "desc" }, select: { hash: true } });
  let prevHash = before?.hash ?? null;
  let afterId = first.id - 1n;
  let done = 0;
  await sql.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"');
  try {
    for (;;) {
      const batch = await db.$queryRaw<AuditEvent[]>`
        SELECT "id", "createdAt", "actorId", "actorEmail", "actorRole", "clientIp", "userAgent", "action", "targetType",
               "targetName", "serviceName", "releaseId", "before", "after", "reason"
        FROM "AuditEvent" WHERE "id" > ${afterId} ORDER BY "id" LIMIT ${batchSize}`;
      if (!batch.length) break;
      const ids: string[] = [];
      const prevs: (string | null)[] = [];
      const hashes: string[] = [];
      for (const e of batch) {
        const hash = computeEventHash(prevHash, e);
        ids.push(e.id.toString());
        prevs.push(prevHash);
        hashes.push(hash);
        prevHash = hash;
      }
      await sql.query(
        `UPDATE "AuditEvent" AS e SET "prevHash" = v.p, "hash" = v.h
         FROM (SELECT unnest($1::bigint[]) AS id, unnest($2::text[]) AS p, unnest($3::text[]) AS h) v WHERE e.id = v.id`,
        [ids, prevs, hashes],
      );
      done += batch.length;
      afterId = batch[batch.length - 1].id;
      opts.onProgress?.(done);
    }
  } finally {
    await sql.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"');
  }
  return done;
}
