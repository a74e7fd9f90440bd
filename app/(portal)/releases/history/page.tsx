import { getFormatter, getLocale, getTimeZone, getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { decodeHistoryCursor, listReleaseHistory, releaseStats, servicesWithReleases, type ReleaseCounts } from "@/lib/audit/release-history";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { formatDuration } from "@/lib/i18n/format";
import { reasonsFromEvidence } from "@/lib/releases/analysis";
import { rollbackReasonText } from "@/lib/releases/reason-text";
import { DataTable } from "../../_components/data-table";
import { DateTime } from "../../_components/date-time";
import { Badge, EmptyState, PageHeader } from "../../_components/states";
import { ReleaseNameCells } from "../_components/release-name-cells";
import { ReleaseStatusBadge } from "../_components/status-badge";
import { ReleaseCharts } from "./_components/release-charts";

const PERIODS = [4, 12, 26, 52] as const;

function param(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.trim() ? s.trim() : undefined;
}

// Read-only for everyone (MANAGERs land here): what was released, how it went, who decided.
export default async function ReleaseHistoryPage({ searchParams }: PageProps<"/releases/history">) {
  await requirePermission("releases.read");
  const [t, tr, tc, format, locale, timeZone, sp] = await Promise.all([getTranslations("history"), getTranslations("releases"), getTranslations("common"), getFormatter(), getLocale(), getTimeZone(), searchParams]);
  const service = param(sp.service);
  const weeks = (PERIODS as readonly number[]).includes(Number(sp.weeks)) ? Number(sp.weeks) : 12;
  const after = decodeHistoryCursor(param(sp.after));
  const [history, stats, services] = await Promise.all([
    listReleaseHistory(db, { service, after }),
    releaseStats(db, { service, weeks, timeZone }),
    servicesWithReleases(db),
  ]);
  // Automatic rollbacks: their reasons in the reader's language, from the codes stored with the rollback.
  const automaticIds = history.rows.filter((r) => r.automatic).map((r) => r.id);
  const rollbacks = automaticIds.length
    ? await db.auditEvent.findMany({ where: { releaseId: { in: automaticIds }, action: "release.rollback" }, select: { releaseId: true, after: true } })
    : [];
  const autoReason = new Map(
    rollbacks.flatMap((e) => {
      const reasons = reasonsFromEvidence((e.after as { automatic?: unknown } | null)?.automatic);
      return e.releaseId && reasons.length ? [[e.releaseId, reasons.map((x) => rollbackReasonText((k, v) => tr(`autoRollback.${k}`, v), x)).join("; ")] as const] : [];
    }),
  );
  const who = (email: string | null) => (email === "system" ? tc("systemActor") : (email ?? "?"));
  const duration = (seconds: number | null) => (seconds === null ? t("summary.none") : formatDuration(seconds, { locale }));
  const percent = (ratio: number | null) => (ratio === null ? t("summary.none") : format.number(ratio, { style: "percent", maximumFractionDigits: 1 }));
  const link = (extra: Record<string, string | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ service, weeks: weeks === 12 ? undefined : String(weeks), ...extra })) if (v) q.set(k, v);
    const s = q.toString();
    return s ? `/releases/history?${s}` : "/releases/history";
  };

  return (
    <div className="space-y-6">
      <PageHeader title={t("title")} description={t("description")} />

      <form method="get" action="/releases/history" className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4" aria-label={t("filters.title")}>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.service")}</span>
          <select name="service" defaultValue={service ?? ""} className="input mt-1">
            <option value="">{t("filters.all")}</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.period")}</span>
          <select name="weeks" defaultValue={String(weeks)} className="input mt-1">
            {PERIODS.map((w) => (
              <option key={w} value={w}>
                {t("filters.weeks", { count: w })}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary">
          {t("filters.apply")}
        </button>
        {service ? (
          <Link href={`/services/${encodeURIComponent(service)}`} className="self-center text-sm underline">
            {service}
          </Link>
        ) : null}
      </form>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">{t("summary.title")}</h2>
        <p className="text-sm text-slate-500">{t("summary.since", { date: format.dateTime(new Date(`${stats.since}T00:00:00Z`), { dateStyle: "medium", timeZone: "UTC" }) })}</p>
        <Summary counts={stats.overall} t={t} num={(n) => format.number(n)} percent={percent} duration={duration} />
        {stats.overall.total === 0 ? <p className="text-sm text-slate-500">{t("charts.noData")}</p> : <ReleaseCharts weeks={stats.weeks} />}
      </section>

      {stats.services.length > 1 || (!service && stats.services.length > 0) ? (
        <section className="space-y-2">
          <h2 className="text-lg font-semibold">{t("services.title")}</h2>
          <DataTable
            testId="history-services"
            minWidth="min-w-[640px]"
            columns={[
              t("services.service"),
              { right: t("summary.total") },
              { right: t("summary.promoted") },
              { right: t("summary.rolledBack") },
              { right: t("summary.automatic") },
              { right: t("summary.rollbackRate") },
              { right: t("summary.medianGray") },
            ]}
          >
            {stats.services.map((s) => (
              <tr key={s.service} className="border-t border-slate-100" data-testid={`history-service-${s.service}`}>
                <td className="px-3 py-2">
                  <Link href={link({ service: s.service })} className="font-medium hover:underline">
                    {s.service}
                  </Link>
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{format.number(s.total)}</td>
                <td className="px-3 py-2 text-right tabular-nums">{format.number(s.promoted)}</td>
                <td className="px-3 py-2 text-right tabular-nums">{format.number(s.rolledBack)}</td>
                <td className="px-3 py-2 text-right tabular-nums">{format.number(s.automatic)}</td>
                <td className="px-3 py-2 text-right tabular-nums" data-testid="rollback-rate">{percent(s.rollbackRate)}</td>
                <td className="px-3 py-2 text-right tabular-nums">{duration(s.medianGraySeconds)}</td>
              </tr>
            ))}
          </DataTable>
        </section>
      ) : null}

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("list.title")}</h2>
        {history.rows.length === 0 ? (
          <EmptyState title={t("list.empty")} />
        ) : (
          <DataTable testId="history-list" minWidth="min-w-[960px]" columns={[t("list.service"), t("list.version"), t("list.outcome"), t("list.timeInGray"), t("list.steps"), t("list.started"), t("list.ended"), t("list.events")]}>
            {history.rows.map((r) => (
              <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="history-row" data-release={r.id} data-status={r.status}>
                <ReleaseNameCells id={r.id} service={r.service} version={r.version} serviceHref={link({ service: r.service })} />
                <td className="px-3 py-2">
                  <div className="flex flex-wrap items-center gap-1 whitespace-nowrap">
                    <ReleaseStatusBadge status={r.status} />
                    {r.automatic ? <Badge tone="red">{t("list.automatic")}</Badge> : null}
                  </div>
                  {r.endReason ? (
                    <p className="mt-1 max-w-xs text-xs break-words text-slate-600" data-testid="end-reason">
                      {t("list.reason", { reason: autoReason.get(r.id) ?? r.endReason })}
                    </p>
                  ) : null}
                </td>
                <td className="px-3 py-2 tabular-nums">
                  {duration(r.graySeconds)}
                  {r.status === "OPEN" ? <div className="text-xs text-slate-500">{t("list.running")}</div> : null}
                </td>
                <td className="px-3 py-2 text-xs">
                  {t("list.stepsTaken", { taken: r.stepsTaken, planned: r.steps.length })}
                  <div className="text-slate-500">{r.maxPercent === null ? t("list.testersOnly") : t("list.maxPercent", { percent: format.number(r.maxPercent) })}</div>
                </td>
                <td className="px-3 py-2 text-xs whitespace-nowrap">
                  <DateTime value={r.startedAt} />
                  <div className="text-slate-500">{t("list.by", { who: r.startedBy })}</div>
                </td>
                <td className="px-3 py-2 text-xs whitespace-nowrap">
                  {r.endedAt ? (
                    <>
                      <DateTime value={r.endedAt} />
                      <div className="text-slate-500" data-testid="ended-by">
                        {t("list.by", { who: who(r.endedBy) })}
                      </div>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="px-3 py-2 text-xs whitespace-nowrap">
                  {r.startEventId ? (
                    <Link href={`/audit/${r.startEventId}`} className="underline">
                      {t("list.startEvent")}
                    </Link>
                  ) : null}
                  {r.endEventId ? (
                    <>
                      {" · "}
                      <Link href={`/audit/${r.endEventId}`} className="underline">
                        {t("list.endEvent")}
                      </Link>
                    </>
                  ) : null}
                  {" · "}
                  <Link href={`/audit?release=${encodeURIComponent(r.id)}`} className="underline">
                    {t("list.allEvents")}
                  </Link>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        <nav className="flex justify-between text-sm" aria-label={t("list.title")}>
          {after ? (
            <Link href={link({})} className="btn btn-sm">
              {t("list.newest")}
            </Link>
          ) : (
            <span />
          )}
          {history.next ? (
            <Link href={link({ after: history.next })} className="btn btn-sm" data-testid="history-older">
              {t("list.older")}
            </Link>
          ) : null}
        </nav>
      </section>
    </div>
  );
}

function Summary({
  counts,
  t,
  num,
  percent,
  duration,
}: {
  counts: ReleaseCounts;
  t: Awaited<ReturnType<typeof getTranslations<"history">>>;
  num: (n: number) => string;
  percent: (r: number | null) => string;
  duration: (s: number | null) => string;
}) {
  const items: [string, string, string][] = [
    ["total", t("summary.total"), num(counts.total)],
    ["promoted", t("summary.promoted"), num(counts.promoted)],
    ["rolledBack", t("summary.rolledBack"), num(counts.rolledBack)],
    ["automatic", t("summary.automatic"), num(counts.automatic)],
    ["rollbackRate", t("summary.rollbackRate"), percent(counts.rollbackRate)],
    ["medianGray", t("summary.medianGray"), duration(counts.medianGraySeconds)],
  ];
  return (
    <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="history-summary">
      {items.map(([key, label, value]) => (
        <div key={key} className="rounded-lg border border-slate-200 bg-white p-3" data-testid={`summary-${key}`}>
          <dt className="text-xs text-slate-500">{label}</dt>
          <dd className="mt-1 text-lg font-semibold tabular-nums">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
