import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { listReleases } from "@/lib/releases/read";
import { DataTable } from "../_components/data-table";
import { DateTime } from "../_components/date-time";
import { EmptyState, PageHeader } from "../_components/states";
import { ReleaseNameCells } from "./_components/release-name-cells";
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
        <DataTable
          testId="release-list"
          columns={[t("list.service"), t("list.version"), t("list.status"), t("list.targets"), t("list.step"), t("list.started"), t("list.ended")]}
        >
          {releases.map((r) => (
            <tr key={r.id} className="border-t border-slate-100">
              <ReleaseNameCells id={r.id} service={r.service} version={r.version} serviceHref={`/releases?service=${encodeURIComponent(r.service)}`} />
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
        </DataTable>
      )}
    </div>
  );
}
