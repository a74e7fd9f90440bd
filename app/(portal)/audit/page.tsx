import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { auditFilterOptions, listAuditEvents, type AuditFilters } from "@/lib/services/audit";
import { DateTime } from "../_components/date-time";
import { Badge, EmptyState, PageHeader } from "../_components/states";

function param(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.trim() ? s.trim() : undefined;
}

export default async function AuditPage({ searchParams }: PageProps<"/audit">) {
  await requirePermission("audit.read");
  const t = await getTranslations("audit");
  const sp = await searchParams;
  const filters: AuditFilters = { service: param(sp.service), user: param(sp.user), action: param(sp.action) };
  const beforeRaw = param(sp.before);
  const before = beforeRaw && /^\d{1,19}$/.test(beforeRaw) ? BigInt(beforeRaw) : undefined;
  const [{ rows, nextBefore }, options] = await Promise.all([listAuditEvents(db, filters, before), auditFilterOptions(db)]);
  const query = (extra: Record<string, string>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) q.set(k, v);
    return `/audit?${q.toString()}`;
  };
  const actionLabel = (a: string) => (t.has(`actions.${a}`) ? t(`actions.${a}`) : a);

  return (
    <div className="space-y-6">
      <PageHeader title={t("title")} description={t("description")} />

      <form method="get" action="/audit" className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-[1fr_1fr_1fr_auto] sm:items-end" aria-label={t("filters.title")}>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.service")}</span>
          <select name="service" defaultValue={filters.service ?? ""} className="input mt-1">
            <option value="">{t("filters.any")}</option>
            {options.services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.user")}</span>
          <input name="user" defaultValue={filters.user ?? ""} className="input mt-1" placeholder={t("filters.userPlaceholder")} />
        </label>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">{t("filters.action")}</span>
          <select name="action" defaultValue={filters.action ?? ""} className="input mt-1">
            <option value="">{t("filters.any")}</option>
            {options.actions.map((a) => (
              <option key={a} value={a}>
                {actionLabel(a)}
              </option>
            ))}
          </select>
        </label>
        <div className="flex gap-2">
          <button type="submit" className="btn btn-primary">
            {t("filters.apply")}
          </button>
          <Link href="/audit" className="btn">
            {t("filters.clear")}
          </Link>
        </div>
      </form>

      {rows.length === 0 ? (
        <EmptyState title={filters.service || filters.user || filters.action || before ? t("emptyFiltered") : t("empty")} />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full min-w-[720px] text-sm" data-testid="audit-table">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="px-3 py-2">{t("columns.time")}</th>
                <th className="px-3 py-2">{t("columns.actor")}</th>
                <th className="px-3 py-2">{t("columns.action")}</th>
                <th className="px-3 py-2">{t("columns.target")}</th>
                <th className="px-3 py-2">{t("columns.outcome")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className="border-t border-slate-100 align-top" data-testid="audit-row" data-action={r.action}>
                  <td className="px-3 py-2 text-xs whitespace-nowrap">
                    <Link href={`/audit/${r.id}`} className="underline-offset-2 hover:underline">
                      <DateTime value={r.createdAt} />
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    <span className="break-all">{r.actorEmail}</span> <span className="text-xs text-slate-500">{roleLabel(t, r.actorRole)}</span>
                  </td>
                  <td className="px-3 py-2">
                    <Link href={`/audit/${r.id}`} className="font-medium underline-offset-2 hover:underline">
                      {actionLabel(r.action)}
                    </Link>
                  </td>
                  <td className="px-3 py-2 font-mono text-xs break-all">
                    {r.serviceName && r.targetType === "node" ? `${r.serviceName} / ${r.targetName}` : r.targetName}
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
            </tbody>
          </table>
        </div>
      )}

      <nav className="flex justify-between text-sm" aria-label={t("pagination")}>
        {before ? (
          <Link href={query({})} className="btn btn-sm">
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

function roleLabel(t: Awaited<ReturnType<typeof getTranslations<"audit">>>, role: string): string {
  return t.has(`roles.${role}`) ? t(`roles.${role}`) : role;
}
