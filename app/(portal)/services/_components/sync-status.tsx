import { getTranslations } from "next-intl/server";
import type { ServiceDetail } from "@/lib/services/live";
import { DataTable } from "../../_components/data-table";
import { DateTime } from "../../_components/date-time";
import { Badge, type BadgeTone } from "../../_components/states";
import { DriftBadge, UnreachableBadge } from "./badges";

const SYNC_TONE: Record<ServiceDetail["gateways"][number]["sync"]["status"], BadgeTone> = { ok: "green", failed: "red", stale: "amber", never: "neutral" };

/** Per gateway: reachable, live revision and drift, last push result, last successful sync. */
export async function SyncStatus({ detail }: { detail: ServiceDetail }) {
  const t = await getTranslations("services");
  if (detail.gateways.length === 0) return <p className="text-sm text-slate-500">{t("sync.noGateways")}</p>;
  return (
    <DataTable testId="sync-table" minWidth="min-w-[640px]" columns={[t("sync.gateway"), t("sync.live"), t("sync.lastPush"), t("sync.lastSuccess")]}>
      {detail.gateways.map((g) => (
        <tr key={g.gatewayId} className="border-t border-slate-100 align-top" data-testid={`sync-${g.gatewayName}`}>
          <td className="px-3 py-2 font-medium">{g.gatewayName}</td>
          <td className="px-3 py-2">
            {!g.reachable ? (
              <UnreachableBadge error={g.error} />
            ) : (
              <span className="flex flex-wrap items-center gap-1.5">
                {g.drift ? <DriftBadge kind={g.drift.kind} /> : null}
                {g.drift && g.drift.kind !== "missing" ? (
                  <span className="text-xs text-slate-500">{t("sync.liveRevision", { revision: g.drift.liveRevision ?? "—", version: g.version ?? "—" })}</span>
                ) : null}
                {g.drift?.fields.length ? <span className="text-xs text-slate-500">{g.drift.fields.map((f) => t(`drift.field.${f}`)).join(", ")}</span> : null}
              </span>
            )}
          </td>
          <td className="px-3 py-2">
            <Badge tone={SYNC_TONE[g.sync.status]}>{t(`sync.status.${g.sync.status}`, { revision: g.sync.pushedRevision ?? 0 })}</Badge>
            {g.sync.lastError ? <p className="mt-1 text-xs break-all text-red-700">{g.sync.lastError}</p> : null}
          </td>
          <td className="px-3 py-2 text-xs">{g.sync.lastSuccessAt ? <DateTime value={g.sync.lastSuccessAt} /> : t("sync.never")}</td>
        </tr>
      ))}
    </DataTable>
  );
}
