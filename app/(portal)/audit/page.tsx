import { getTimeZone, getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { FILTER_PARAMS, filtersToParams, hasFilters, parseAuditFilters } from "@/lib/audit/filters";
import { auditFilterOptions, listAuditEvents } from "@/lib/audit/read";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { DataTable } from "../_components/data-table";
import { DateTime } from "../_components/date-time";
import { Badge, EmptyState, PageHeader } from "../_components/states";
import { VerifyButton } from "./_components/verify-button";

function param(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.trim() ? s.trim() : undefined;
}

export default async function AuditPage({ searchParams }: PageProps<"/audit">) {
  const user = await requirePermission("audit.read");
  const t = await getTranslations("audit");
  const tc = await getTranslations("common");
  const sp = await searchParams;
  const filters = parseAuditFilters(sp, await getTimeZone());
  const beforeRaw = param(sp.before);
  const before = beforeRaw && /^\d{1,19}$/.test(beforeRaw) ? BigInt(beforeRaw) : undefined;
  const [{ rows, nextBefore }, options] = await Promise.all([listAuditEvents(db, filters, before), auditFilterOptions(db)]);
  // Links keep the filters as typed (wall times in the user's zone); the export gets ISO times.
  const raw: Record<string, string> = {};
  for (const k of FILTER_PARAMS) {
    const v = param(sp[k]);
    if (v) raw[k] = v;
  }
  const query = (extra: Record<string, string>) => `/audit?${new URLSearchParams({ ...raw, ...extra }).toString()}`;
  const exportHref = (format: "csv" | "json") => {
    const q = filtersToParams(filters);
    q.set("format", format);
    return `/api/audit/export?${q.toString()}`;
  };
  const actionLabel = (a: string) => (t.has(`actions.${a}`) ? t(`actions.${a}`) : a);

  return (
    <div className="space-y-6">
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <>
            <a href={exportHref("csv")} download className="btn" data-testid="export-csv">
              {t("export.csv")}
            </a>
            <a href={exportHref("json")} download className="btn" data-testid="export-json">
              {t("export.json")}
            </a>
          </>
        }
      />

      {can(user.role, "audit.verify") ? <VerifyButton /> : null}

      <form
        method="get"
        action="/audit"
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4 lg:items-end"
        aria-label={t("filters.title")}
      >
        <label className="block text-sm sm:col-span-2">
          <span className="font-medium text-slate-700">{t("filters.q")}</span>
          <input type="search" name="q" defaultValue={raw.q ?? ""} className="input mt-1" placeholder={t("filters.qPlaceholder")} />
        </label>
        <Select name="service" label={t("filters.service")} any={t("filters.any")} value={filters.service} options={options.services.map((s) => [s, s])} />
        <Select name="user" label={t("filters.user")} any={t("filters.any")} value={filters.user} options={options.users.map((u) => [u, u])} />
        <Select name="action" label={t("filters.action")} any={t("filters.any")} value={filters.action} options={options.actions.map((a) => [a, actionLabel(a)])} />
        <Select
          name="outcome"
          label={t("filters.outcome")}
          any={t("filters.any")}
          value={filters.outcome}
          options={[
            ["ok", t("filters.outcomeOk")],
            ["failed", t("filters.outcomeFailed")],
          ]}
        />
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.from")}</span>
          <input type="datetime-local" name="from" defaultValue={raw.from ?? ""} className="input mt-1" />
        </label>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.to")}</span>
          <input type="datetime-local" name="to" defaultValue={raw.to ?? ""} className="input mt-1" />
        </label>
        {raw.release ? <input type="hidden" name="release" value={raw.release} /> : null}
        <div className="flex gap-2 lg:col-span-4">
          <button type="submit" className="btn btn-primary">
            {t("filters.apply")}
          </button>
          <Link href="/audit" className="btn">
            {t("filters.clear")}
          </Link>
          {raw.release ? (
            <span className="self-center text-sm text-slate-600" data-testid="release-filter">
              <Link href={`/releases/${encodeURIComponent(raw.release)}`} className="underline">
                {t("filters.releaseOnly", { id: raw.release })}
              </Link>
            </span>
          ) : null}
        </div>
      </form>
      <p className="text-xs text-slate-500">{t("export.hint")}</p>

      {rows.length === 0 ? (
        <EmptyState title={hasFilters(filters) || before ? t("emptyFiltered") : t("empty")} />
      ) : (
        <DataTable testId="audit-table" minWidth="min-w-[720px]" columns={[t("columns.time"), t("columns.actor"), t("columns.action"), t("columns.target"), t("columns.outcome")]}>
          {rows.map((r) => (
            <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="audit-row" data-id={r.id} data-action={r.action}>
              <td className="px-3 py-2 text-xs whitespace-nowrap">
                <Link href={`/audit/${r.id}`} className="underline-offset-2 hover:underline">
                  <DateTime value={r.createdAt} />
                </Link>
              </td>
              <td className="px-3 py-2">
                <span className="break-all">{r.actorRole === "SYSTEM" ? tc("systemActor") : r.actorEmail}</span> <span className="text-xs text-slate-500">{roleLabel(t, r.actorRole)}</span>
              </td>
              <td className="px-3 py-2">
                <Link href={`/audit/${r.id}`} className="font-medium underline-offset-2 hover:underline">
                  {actionLabel(r.action)}
                </Link>
              </td>
              <td className="px-3 py-2 font-mono text-xs break-all">
                {r.serviceName ? (
                  <Link href={`/services/${encodeURIComponent(r.serviceName)}`} className="hover:underline">
                    {r.serviceName}
                  </Link>
                ) : null}
                {r.serviceName && r.targetType !== "service" ? " / " : null}
                {r.releaseId ? (
                  <Link href={`/releases/${encodeURIComponent(r.releaseId)}`} className="hover:underline">
                    {r.targetType === "release" ? r.targetName : r.releaseId}
                  </Link>
                ) : r.serviceName && r.targetType === "service" ? null : (
                  r.targetName
                )}
              </td>
              <td className="px-3 py-2">
                {r.outcomes.ok + r.outcomes.failed === 0 ? (
                  <span className="text-xs text-slate-400">—</span>
                ) : r.outcomes.failed ? (
                  <Badge tone="red">{t("outcome.failed", { failed: r.outcomes.failed, total: r.outcomes.ok + r.outcomes.failed })}</Badge>
                ) : (
                  <Badge tone="green">{t("outcome.ok", { total: r.outcomes.ok })}</Badge>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}

      <nav className="flex justify-between text-sm" aria-label={t("pagination")}>
        {before ? (
          <Link href={query({})} className="btn btn-sm" data-testid="audit-newest">
            {t("newest")}
          </Link>
        ) : (
          <span />
        )}
        {nextBefore ? (
          <Link href={query({ before: nextBefore })} className="btn btn-sm" data-testid="audit-older">
            {t("older")}
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

function Select({ name, label, any, value, options }: { name: string; label: string; any: string; value?: string; options: [string, string][] }) {
  // A value from a link that is not among the options (e.g. an action prefix) stays selectable.
  const all: [string, string][] = value && !options.some(([v]) => v === value) ? [...options, [value, value]] : options;
  return (
    <label className="block text-sm">
      <span className="font-medium text-slate-700">{label}</span>
      <select name={name} defaultValue={value ?? ""} className="input mt-1">
        <option value="">{any}</option>
        {all.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function roleLabel(t: Awaited<ReturnType<typeof getTranslations<"audit">>>, role: string): string {
  return t.has(`roles.${role}`) ? t(`roles.${role}`) : role;
}
