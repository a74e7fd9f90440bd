import "server-only";
// Release history for managers: every release with how long it stayed in gray, its steps,
// its outcome and who ended it (automatic rollbacks with their reason), linked to its
// audit events; and weekly / per-service summaries for the charts.
import { Prisma } from "@/lib/generated/prisma/client";
import { SYSTEM_ACTOR } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { releaseSummary, type ReleaseSummary } from "@/lib/releases/read";

export const HISTORY_PAGE_SIZE = 50;

/** A release as the list shows it (steps: planned gray shares, in percent), plus its history. */
export type ReleaseHistoryRow = Omit<ReleaseSummary, "currentStep"> & {
  /** Traffic steps taken (release.step events). */
  stepsTaken: number;
  /** Highest gray share reached, in percent (null: never beyond the tester-only start). */
  maxPercent: number | null;
  /** Rolled back by the analyzer, not by a person. */
  automatic: boolean;
  /** Time in gray so far (open) or until promote/rollback, in seconds. */
  graySeconds: number;
  startEventId: string | null;
  endEventId: string | null;
};

type Cursor = { startedAt: Date; id: string };

/** "<ISO time>_<id>" of the last row of a page; the next page starts after it. */
export function encodeHistoryCursor(row: Pick<ReleaseHistoryRow, "startedAt" | "id">): string {
  return `${row.startedAt}_${row.id}`;
}

export function decodeHistoryCursor(raw: string | undefined): Cursor | undefined {
  const m = raw ? /^(\d{4}-\d\d-\d\dT[\d:.]+Z)_([\w-]{1,64})$/.exec(raw) : null;
  if (!m) return undefined;
  const startedAt = new Date(m[1]);
  return Number.isNaN(startedAt.getTime()) ? undefined : { startedAt, id: m[2] };
}

export async function listReleaseHistory(
  db: Db,
  opts: { service?: string; after?: Cursor; pageSize?: number; now?: Date } = {},
): Promise<{ rows: ReleaseHistoryRow[]; next: string | null }> {
  const pageSize = opts.pageSize ?? HISTORY_PAGE_SIZE;
  const now = opts.now ?? new Date();
  const where: Prisma.ReleaseWhereInput = {};
  if (opts.service) where.service = { name: opts.service };
  if (opts.after) {
    where.OR = [{ startedAt: { lt: opts.after.startedAt } }, { startedAt: opts.after.startedAt, id: { lt: opts.after.id } }];
  }
  const releases = await db.release.findMany({
    where,
    include: { service: { select: { name: true } } },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: pageSize + 1,
  });
  const page = releases.slice(0, pageSize);
  const ids = page.map((r) => r.id);
  const events = ids.length
    ? await db.$queryRaw<{ releaseId: string; action: string; first: bigint; last: bigint; n: number; maxPercent: number | null }[]>`
        SELECT "releaseId", "action", min("id") AS "first", max("id") AS "last", count(*)::int AS "n",
               max(("after" -> 'release' ->> 'percent')::numeric)::float8 AS "maxPercent"
        FROM "AuditEvent"
        WHERE "releaseId" IN (${Prisma.join(ids)}) AND "action" IN ('release.start', 'release.step', 'release.promote', 'release.rollback')
        GROUP BY "releaseId", "action"`
    : [];
  const of = (id: string, action: string) => events.find((e) => e.releaseId === id && e.action === action);
  const rows = page.map((r): ReleaseHistoryRow => {
    const end = of(r.id, r.status === "PROMOTED" ? "release.promote" : "release.rollback");
    const steps = of(r.id, "release.step");
    const { currentStep: _current, ...listed } = releaseSummary(r);
    return {
      ...listed,
      stepsTaken: steps?.n ?? 0,
      maxPercent: steps?.maxPercent ?? null,
      automatic: r.status === "ROLLED_BACK" && r.endedBy === SYSTEM_ACTOR.email,
      graySeconds: Math.max(0, ((r.endedAt ?? now).getTime() - r.startedAt.getTime()) / 1000),
      startEventId: of(r.id, "release.start")?.first.toString() ?? null,
      endEventId: r.status === "OPEN" ? null : (end?.last.toString() ?? null),
    };
  });
  return { rows, next: releases.length > pageSize ? encodeHistoryCursor(rows[rows.length - 1]) : null };
}

export type ReleaseCounts = {
  total: number;
  open: number;
  promoted: number;
  rolledBack: number;
  automatic: number;
  /** Rolled back / ended (promoted + rolled back); null before any release ended. */
  rollbackRate: number | null;
  /** Median time in gray of ended releases, seconds; null before any ended. */
  medianGraySeconds: number | null;
};

export type WeekCounts = ReleaseCounts & { week: string };
export type ServiceCounts = ReleaseCounts & { service: string };

export type ReleaseStats = {
  since: string;
  weeks: WeekCounts[];
  services: ServiceCounts[];
  overall: ReleaseCounts;
};

type CountsRow = Omit<ReleaseCounts, "rollbackRate"> & { key: string | null };

function withRate(r: Omit<CountsRow, "key">): ReleaseCounts {
  const ended = r.promoted + r.rolledBack;
  return {
    total: r.total,
    open: r.open,
    promoted: r.promoted,
    rolledBack: r.rolledBack,
    automatic: r.automatic,
    rollbackRate: ended ? r.rolledBack / ended : null,
    medianGraySeconds: r.medianGraySeconds,
  };
}

const EMPTY: Omit<CountsRow, "key"> = { total: 0, open: 0, promoted: 0, rolledBack: 0, automatic: 0, medianGraySeconds: null };

/** Monday (YYYY-MM-DD) of the week holding `date`, on the calendar of `timeZone`. */
function mondayOf(date: Date, timeZone: string): string {
  const local = new Date(`${new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date)}T00:00:00Z`);
  local.setUTCDate(local.getUTCDate() - ((local.getUTCDay() + 6) % 7));
  return local.toISOString().slice(0, 10);
}

/**
 * Releases started in the last `weeks` weeks (weeks start on Monday in `timeZone`), by
 * week (every week present, empty ones as zero), by service and overall.
 */
export async function releaseStats(db: Db, opts: { service?: string; weeks?: number; timeZone?: string; now?: Date } = {}): Promise<ReleaseStats> {
  const weeks = Math.min(Math.max(opts.weeks ?? 12, 1), 104);
  const timeZone = opts.timeZone ?? "UTC";
  const now = opts.now ?? new Date();
  const firstWeek = new Date(`${mondayOf(now, timeZone)}T00:00:00Z`);
  firstWeek.setUTCDate(firstWeek.getUTCDate() - 7 * (weeks - 1));
  const firstMonday = firstWeek.toISOString().slice(0, 10);

  // Local wall time of the start, in the viewer's zone ("startedAt" holds UTC).
  const localStart = Prisma.sql`(("startedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${timeZone})`;
  const serviceCond = opts.service ? Prisma.sql`AND s."name" = ${opts.service}` : Prisma.empty;
  const counts = (key: Prisma.Sql, groupBy: boolean) => db.$queryRaw<CountsRow[]>`
    SELECT ${key} AS "key",
      count(*)::int AS "total",
      count(*) FILTER (WHERE r."status" = 'OPEN')::int AS "open",
      count(*) FILTER (WHERE r."status" = 'PROMOTED')::int AS "promoted",
      count(*) FILTER (WHERE r."status" = 'ROLLED_BACK')::int AS "rolledBack",
      count(*) FILTER (WHERE r."status" = 'ROLLED_BACK' AND r."endedBy" = ${SYSTEM_ACTOR.email})::int AS "automatic",
      (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r."endedAt" - r."startedAt"))
        FILTER (WHERE r."endedAt" IS NOT NULL))::float8 AS "medianGraySeconds"
    FROM "Release" r JOIN "Service" s ON s."id" = r."serviceId"
    WHERE ${localStart} >= ${firstMonday}::timestamp ${serviceCond}
    ${groupBy ? Prisma.sql`GROUP BY 1 ORDER BY 1` : Prisma.empty}`;
  const [byWeek, byService, [overall]] = await Promise.all([
    counts(Prisma.sql`to_char(date_trunc('week', ${localStart}), 'YYYY-MM-DD')`, true),
    counts(Prisma.sql`s."name"`, true),
    counts(Prisma.sql`NULL::text`, false),
  ]);

  const week = new Map(byWeek.map((w) => [w.key, w]));
  const allWeeks: WeekCounts[] = [];
  for (let i = 0; i < weeks; i++) {
    const d = new Date(firstWeek);
    d.setUTCDate(d.getUTCDate() + 7 * i);
    const key = d.toISOString().slice(0, 10);
    allWeeks.push({ week: key, ...withRate(week.get(key) ?? EMPTY) });
  }
  return {
    since: firstMonday,
    weeks: allWeeks,
    services: byService.map((s) => ({ service: s.key ?? "", ...withRate(s) })),
    overall: withRate(overall ?? EMPTY),
  };
}

/** Service names that have releases, for the filter. */
export async function servicesWithReleases(db: Db): Promise<string[]> {
  const rows = await db.service.findMany({ where: { releases: { some: {} } }, select: { name: true }, orderBy: { name: "asc" } });
  return rows.map((r) => r.name);
}
