// The filters of the audit history, shared by the page, the export route and the tests:
// parsed once from the query string, turned into one SQL condition.
import { Prisma } from "@/lib/generated/prisma/client";
import { OUTCOMES_ACTION } from "./chain";

export const OUTCOMES = ["ok", "failed"] as const;
export type OutcomeFilter = (typeof OUTCOMES)[number];

export type AuditFilters = {
  service?: string;
  /** Exact actor email. */
  user?: string;
  /** Exact action, or a prefix when it ends with "." ("release."). */
  action?: string;
  /** "ok": every gateway answered OK; "failed": at least one gateway failed. */
  outcome?: OutcomeFilter;
  /** Inclusive bounds on createdAt. */
  from?: Date;
  to?: Date;
  releaseId?: string;
  /** Free text, matched as a substring of action, actor, target, service and reason. */
  q?: string;
};

/** The query-string names of the filters (the page, its links and the export use these). */
export const FILTER_PARAMS = ["service", "user", "action", "outcome", "from", "to", "release", "q"] as const;

type Params = Record<string, string | string[] | undefined> | URLSearchParams;

function get(params: Params, key: string): string | undefined {
  const raw = params instanceof URLSearchParams ? params.get(key) ?? undefined : params[key];
  const s = Array.isArray(raw) ? raw[0] : raw;
  // No NUL byte reaches PostgreSQL (it fails the query); the export refuses them first (auditFilterWithNul).
  const trimmed = s?.replace(/\0/g, "").trim();
  return trimmed ? trimmed.slice(0, 200) : undefined;
}

/** The first filter parameter holding a NUL byte (a request to refuse with 400), or null. */
export function auditFilterWithNul(params: URLSearchParams): string | null {
  for (const key of ["format", ...FILTER_PARAMS]) if (params.getAll(key).some((v) => v.includes("\0"))) return key;
  return null;
}

/**
 * A point in time from the query string: ISO 8601 with a zone ("2026-01-02T03:04:05Z"),
 * or the wall time of an `<input type="datetime-local">` / `<input type="date">`
 * ("2026-01-02T03:04", "2026-01-02"), read in `timeZone`. A bare date as an upper bound
 * means the end of that day. Invalid → undefined (the filter is ignored, not an error).
 */
export function parseTime(value: string | undefined, timeZone: string, end = false): Date | undefined {
  if (!value) return undefined;
  if (/[zZ]$|[+-]\d\d:?\d\d$/.test(value)) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const dateOnly = h === undefined;
  const wall = Date.UTC(+y, +mo - 1, +d, dateOnly ? 0 : +h, dateOnly ? 0 : +mi, s ? +s : 0);
  if (Number.isNaN(wall)) return undefined;
  const utc = wallTimeToUtc(wall, timeZone);
  // An upper bound covers the whole day / minute it names.
  if (end) return new Date(utc + (dateOnly ? 86_400_000 : s ? 1000 : 60_000) - 1);
  return new Date(utc);
}

/** The UTC instant at which the clock in `timeZone` shows `wall` (given as if it were UTC). */
function wallTimeToUtc(wall: number, timeZone: string): number {
  const offsetAt = (instant: number) => {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(instant));
    const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
    return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second")) - Math.floor(instant / 1000) * 1000;
  };
  // Two passes settle the offset also next to a DST change.
  let utc = wall - offsetAt(wall);
  utc = wall - offsetAt(utc);
  return utc;
}

export function parseAuditFilters(params: Params, timeZone = "UTC"): AuditFilters {
  const outcome = get(params, "outcome");
  const filters: AuditFilters = {
    service: get(params, "service"),
    user: get(params, "user"),
    action: get(params, "action"),
    outcome: (OUTCOMES as readonly string[]).includes(outcome ?? "") ? (outcome as OutcomeFilter) : undefined,
    from: parseTime(get(params, "from"), timeZone),
    to: parseTime(get(params, "to"), timeZone, true),
    releaseId: get(params, "release"),
    q: get(params, "q"),
  };
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined)) as AuditFilters;
}

/** The filters back as query-string pairs (ISO times), e.g. for the export link. */
export function filtersToParams(filters: AuditFilters): URLSearchParams {
  const q = new URLSearchParams();
  if (filters.service) q.set("service", filters.service);
  if (filters.user) q.set("user", filters.user);
  if (filters.action) q.set("action", filters.action);
  if (filters.outcome) q.set("outcome", filters.outcome);
  if (filters.from) q.set("from", filters.from.toISOString());
  if (filters.to) q.set("to", filters.to.toISOString());
  if (filters.releaseId) q.set("release", filters.releaseId);
  if (filters.q) q.set("q", filters.q);
  return q;
}

export function hasFilters(filters: AuditFilters): boolean {
  return Object.keys(filters).length > 0;
}

/** LIKE pattern text with its wildcards taken literally (default escape character: \). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The searched text of an event. Must stay identical to the expression of the
 * trigram index "AuditEvent_search_trgm" (migration 20261127155301_audit_search).
 */
export const AUDIT_SEARCH_SQL = Prisma.raw(
  `("action" || ' ' || "actorEmail" || ' ' || "targetName" || ' ' || coalesce("serviceName", '') || ' ' || coalesce("reason", ''))`,
);

const FAILED_OUTCOME = Prisma.sql`EXISTS (SELECT 1 FROM "AuditOutcome" o WHERE o."eventId" = "AuditEvent"."id" AND NOT o."ok")`;
const ANY_OUTCOME = Prisma.sql`EXISTS (SELECT 1 FROM "AuditOutcome" o WHERE o."eventId" = "AuditEvent"."id")`;

/**
 * Pages are newest first: by id, or with a time range by (createdAt, id). ids and
 * createdAt rise together (both are set under the chain's advisory lock), but the
 * planner does not know that: with "id DESC" and a range in the middle of the history it
 * walks the primary key backwards through every newer row. Ordering by the indexed
 * (createdAt, id) makes any range one short index scan, and the keyset cursor stays an id.
 */
export function isTimeOrdered(filters: AuditFilters): boolean {
  return Boolean(filters.from || filters.to);
}

/** ORDER BY of the pages of `filters`, over the columns of "AuditEvent" (prefixed with `alias`.). */
export function auditOrderSql(filters: AuditFilters, alias?: string): Prisma.Sql {
  const a = alias ? `${alias}.` : "";
  return Prisma.raw(isTimeOrdered(filters) ? `${a}"createdAt" DESC, ${a}"id" DESC` : `${a}"id" DESC`);
}

/**
 * The WHERE condition of `filters` (and of the keyset position: rows after the row
 * `beforeId` in the page order) over "AuditEvent" (not aliased, so the search expression
 * matches the index).
 */
export function auditWhereSql(filters: AuditFilters, beforeId?: bigint): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  // The chain's own seals of gateway outcomes (lib/audit/outcomes.ts) are bookkeeping, not
  // changes: shown only when asked for by action.
  if (!filters.action) parts.push(Prisma.sql`"action" <> ${OUTCOMES_ACTION}`);
  if (filters.service) parts.push(Prisma.sql`"serviceName" = ${filters.service}`);
  if (filters.user) parts.push(Prisma.sql`"actorEmail" = ${filters.user}`);
  if (filters.action) {
    parts.push(
      filters.action.endsWith(".")
        ? Prisma.sql`"action" LIKE ${escapeLike(filters.action) + "%"}`
        : Prisma.sql`"action" = ${filters.action}`,
    );
  }
  if (filters.outcome === "failed") parts.push(FAILED_OUTCOME);
  if (filters.outcome === "ok") parts.push(Prisma.sql`${ANY_OUTCOME} AND NOT ${FAILED_OUTCOME}`);
  // createdAt is TIMESTAMP(3) holding UTC: compare with the UTC wall time.
  if (filters.from) parts.push(Prisma.sql`"createdAt" >= ${filters.from.toISOString().slice(0, 23)}::timestamp`);
  if (filters.to) parts.push(Prisma.sql`"createdAt" <= ${filters.to.toISOString().slice(0, 23)}::timestamp`);
  if (filters.releaseId) parts.push(Prisma.sql`"releaseId" = ${filters.releaseId}`);
  if (filters.q) parts.push(Prisma.sql`${AUDIT_SEARCH_SQL} ILIKE ${"%" + escapeLike(filters.q) + "%"}`);
  if (beforeId !== undefined) {
    parts.push(
      isTimeOrdered(filters)
        ? Prisma.sql`("createdAt", "id") < (SELECT b."createdAt", b."id" FROM "AuditEvent" b WHERE b."id" = ${beforeId})`
        : Prisma.sql`"id" < ${beforeId}`,
    );
  }
  return parts.length ? Prisma.join(parts, " AND ") : Prisma.sql`TRUE`;
}
