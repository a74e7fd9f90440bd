import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { listReleases } from "@/lib/releases/read";
import { DateTime } from "../_components/date-time";
import { EmptyState, PageHeader } from "../_components/states";
import { ReleaseStatusBadge } from "./_components/status-badge";

export default async function ReleasesPage(props: PageProps<"/releases">) {
  const user = await requirePermission("releases.read");
  const t = await getTranslations("releases");
  const th = await getTranslations("history");
  const sp = await props.searchParams;
  const service = typeof sp.service === "string" && sp.service ? sp.service : undefined;
  const releases = await listReleases(db, { service });
  const canWrite = can(user.role, "releases.write");

  return (
    <div className="space-y-6">
      <PageHeader
        title={t("list.title")}
        description={t("list.description")}
        actions={
          <>
            <Link href={service ? `/releases/history?service=${encodeURIComponent(service)}` : "/releases/history"} className="btn" data-testid="release-history-link">
              {th("link")}
            </Link>
            {canWrite ? (
              <Link href={service ? `/releases/new?service=${encodeURIComponent(service)}` : "/releases/new"} className="btn btn-primary">
                {t("list.start")}
              </Link>
            ) : null}
          </>
        }
      />
      {service ? (
        <p className="text-sm">
          {t("list.service")}: <span className="font-medium">{service}</span> ·{" "}
          <Link href="/releases" className="underline">
            {t("list.allServices")}
          </Link>
        </p>
      ) : null}
      {releases.length === 0 ? (
        <EmptyState title={t("list.empty")}>{canWrite ? t("list.emptyHint") : null}</EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm" data-testid="release-list">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="px-3 py-2">{t("list.service")}</th>
                <th className="px-3 py-2">{t("list.version")}</th>
                <th className="px-3 py-2">{t("list.status")}</th>
                <th className="px-3 py-2">{t("list.targets")}</th>
                <th className="px-3 py-2">{t("list.step")}</th>
                <th className="px-3 py-2">{t("list.started")}</th>
                <th className="px-3 py-2">{t("list.ended")}</th>
              </tr>
            </thead>
            <tbody>
              {releases.map((r) => (
                <tr key={r.id} className="border-t border-slate-100">
                  <td className="px-3 py-2">
                    <Link href={`/releases?service=${encodeURIComponent(r.service)}`} className="hover:underline">
                      {r.service}
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    <Link href={`/releases/${r.id}`} className="font-medium text-sky-700 hover:underline">
                      {r.version}
                    </Link>
                  </td>
                  <td className="px-3 py-2">
                    <ReleaseStatusBadge status={r.status} />
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{r.targets.join(", ")}</td>
                  <td className="px-3 py-2">{r.currentStep >= 0 ? `${r.steps[r.currentStep] ?? "?"}%` : "—"}</td>
                  <td className="px-3 py-2">
                    <DateTime value={r.startedAt} relative />
                    <div className="text-xs text-slate-500">{t("list.by", { email: r.startedBy })}</div>
                  </td>
                  <td className="px-3 py-2">{r.endedAt ? <DateTime value={r.endedAt} relative /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
