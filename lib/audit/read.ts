import "server-only";
// Reads of the audit history: a filtered page (keyset by id, newest first), the values
// of the filter selects, one event, and batches for the export. Every query stays on an
// index with millions of events (see bench/audit.ts and docs/benchmarks.md).
import { Prisma } from "@/lib/generated/prisma/client";
import type { AuditEventFields } from "@/lib/audit/chain";
import type { Db } from "@/lib/db";
import { auditOrderSql, auditWhereSql, type AuditFilters } from "./filters";

export const AUDIT_PAGE_SIZE = 50;

/** The columns a history row shows, as stored. */
type ListedColumns = {
  actorEmail: string;
  actorRole: string;
  clientIp: string;
  action: string;
  targetType: string;
  targetName: string;
  serviceName: string | null;
  releaseId: string | null;
};

export type AuditRow = ListedColumns & { id: string; createdAt: string; outcomes: { ok: number; failed: number } };

type RawRow = ListedColumns & { id: bigint; createdAt: Date; okCount: number; failedCount: number };

/** Newest first (see auditOrderSql), keyset-paginated: `before` is the last id of the previous page. */
export async function listAuditEvents(
  db: Db,
  filters: AuditFilters,
  before?: bigint,
  pageSize = AUDIT_PAGE_SIZE,
): Promise<{ rows: AuditRow[]; nextBefore: string | null }> {
  // The page is chosen first (LIMIT on the filtered index scan), outcomes counted for it only.
  const events = await db.$queryRaw<RawRow[]>`
    SELECT p.*, coalesce(c."okCount", 0)::int AS "okCount", coalesce(c."failedCount", 0)::int AS "failedCount"
    FROM (
      SELECT "id", "createdAt", "actorEmail", "actorRole", "clientIp", "action", "targetType", "targetName", "serviceName", "releaseId"
      FROM "AuditEvent"
      WHERE ${auditWhereSql(filters, before)}
      ORDER BY ${auditOrderSql(filters)}
      LIMIT ${pageSize + 1}
    ) p
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE o."ok") AS "okCount", count(*) FILTER (WHERE NOT o."ok") AS "failedCount"
      FROM "AuditOutcome" o WHERE o."eventId" = p."id"
    ) c ON TRUE
    ORDER BY ${auditOrderSql(filters, "p")}`;
  const page = events.slice(0, pageSize);
  return {
    rows: page.map((e) => ({
      id: e.id.toString(),
      createdAt: e.createdAt.toISOString(),
      actorEmail: e.actorEmail,
      actorRole: e.actorRole,
      clientIp: e.clientIp,
      action: e.action,
      targetType: e.targetType,
      targetName: e.targetName,
      serviceName: e.serviceName,
      releaseId: e.releaseId,
      outcomes: { ok: e.okCount, failed: e.failedCount },
    })),
    nextBefore: events.length > pageSize ? page[page.length - 1].id.toString() : null,
  };
}

/**
 * Distinct values of an indexed column, by a loose index scan (one index probe per
 * value) instead of DISTINCT over every row: milliseconds with millions of events.
 */
async function distinctValues(db: Db, column: "serviceName" | "action" | "actorEmail", limit = 500): Promise<string[]> {
  const col = Prisma.raw(`"${column}"`);
  const rows = await db.$queryRaw<{ v: string }[]>`
    WITH RECURSIVE t(v) AS (
      (SELECT ${col} FROM "AuditEvent" WHERE ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
      UNION ALL
      SELECT (SELECT ${col} FROM "AuditEvent" WHERE ${col} > t.v ORDER BY ${col} LIMIT 1) FROM t WHERE t.v IS NOT NULL
    )
    SELECT v FROM t WHERE v IS NOT NULL LIMIT ${limit}`;
  return rows.map((r) => r.v);
}

/** Values for the filter selects: services, actions and users that occur in the log. */
export async function auditFilterOptions(db: Db): Promise<{ services: string[]; actions: string[]; users: string[] }> {
  const [services, actions, users] = await Promise.all([
    distinctValues(db, "serviceName"),
    distinctValues(db, "action"),
    distinctValues(db, "actorEmail"),
  ]);
  return { services, actions, users };
}

export async function getAuditEvent(db: Db, id: bigint) {
  return db.auditEvent.findUnique({ where: { id }, include: { outcomes: { orderBy: { gatewayName: "asc" } } } });
}

export type ExportEvent = AuditEventFields & {
  id: bigint;
  prevHash: string | null;
  hash: string | null;
  outcomes: { gatewayName: string; ok: boolean; status: number | null; code: string | null; message: string; durationMs: number; createdAt: Date }[];
};

/** One export batch: up to `size` events below `beforeId`, newest first, with their outcomes. */
export async function auditExportBatch(db: Db, filters: AuditFilters, beforeId: bigint | undefined, size: number): Promise<ExportEvent[]> {
  const events = await db.$queryRaw<Omit<ExportEvent, "outcomes">[]>`
    SELECT "id", "createdAt", "actorId", "actorEmail", "actorRole", "clientIp", "userAgent", "action", "targetType", "targetName",
           "serviceName", "releaseId", "before", "after", "reason", "prevHash", "hash"
    FROM "AuditEvent"
    WHERE ${auditWhereSql(filters, beforeId)}
    ORDER BY ${auditOrderSql(filters)}
    LIMIT ${size}`;
  if (events.length === 0) return [];
  const outcomes = await db.auditOutcome.findMany({
    where: { eventId: { in: events.map((e) => e.id) } },
    orderBy: [{ eventId: "asc" }, { gatewayName: "asc" }],
    select: { eventId: true, gatewayName: true, ok: true, status: true, code: true, message: true, durationMs: true, createdAt: true },
  });
  const byEvent = new Map<bigint, ExportEvent["outcomes"]>();
  for (const { eventId, ...o } of outcomes) {
    const list = byEvent.get(eventId) ?? [];
    list.push(o);
    byEvent.set(eventId, list);
  }
  return events.map((e) => ({ ...e, outcomes: byEvent.get(e.id) ?? [] }));
}
