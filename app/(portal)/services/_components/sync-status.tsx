import { getTranslations } from "next-intl/server";
import { RECOVERED, SYNC_REASONS } from "@/lib/reconcile/sync";
import type { ServiceDetail } from "@/lib/services/live";
import { DataTable } from "../../_components/data-table";
import { DateTime } from "../../_components/date-time";
import { Badge, type BadgeTone } from "../../_components/states";
import { DriftBadge, UnreachableBadge } from "./badges";
import { DriftDetails } from "./drift-details";

const SYNC_TONE: Record<ServiceDetail["gateways"][number]["sync"]["status"], BadgeTone> = { ok: "green", failed: "red", stale: "amber", never: "neutral" };

/**
 * Per gateway: reachable, live revision and drift with each difference named, last push
 * result, last successful sync; then the latest repairs and why they were needed.
 */
export async function SyncStatus({ detail }: { detail: ServiceDetail }) {
  const t = await getTranslations("services");
  if (detail.gateways.length === 0) return <p className="text-sm text-slate-500">{t("sync.noGateways")}</p>;
  return (
    <>
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
                  {g.drift && g.drift.kind !== "in_sync" ? <DriftDetails drift={g.drift} desiredRevision={detail.service.revision} /> : null}
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
      <RecentRepairs repairs={detail.repairs} />
    </>
  );
}

/** The reason stored in the audit event → its translation (unknown ones as stored). */
function reasonTranslator(t: Awaited<ReturnType<typeof getTranslations<"services">>>) {
  const byText = new Map(Object.entries(SYNC_REASONS).map(([kind, text]) => [text, kind]));
  return (reason: string | null): string => {
    if (!reason) return "—";
    const recovered = reason.endsWith(`; ${RECOVERED}`);
    const base = recovered ? reason.slice(0, -(RECOVERED.length + 2)) : reason;
    const kind = byText.get(base);
    const text = kind ? t(`sync.reasons.${kind as keyof typeof SYNC_REASONS}`) : base;
    return recovered ? t("sync.reasons.recovered", { reason: text }) : text;
  };
}

async function RecentRepairs({ repairs }: { repairs: ServiceDetail["repairs"] }) {
  const t = await getTranslations("services");
  const tc = await getTranslations("common");
  const reasonText = reasonTranslator(t);
  return (
    <div className="space-y-2" data-testid="sync-repairs">
      <h3 className="text-sm font-semibold">{t("sync.repairs.title")}</h3>
      {repairs.length === 0 ? (
        <p className="text-sm text-slate-500">{t("sync.repairs.empty")}</p>
      ) : (
        <DataTable testId="repairs-table" minWidth="min-w-[640px]" columns={[t("sync.repairs.when"), t("sync.repairs.gateway"), t("sync.repairs.reason"), t("sync.repairs.by"), t("sync.repairs.result")]}>
          {repairs.map((r) => (
            <tr key={r.eventId} className="border-t border-slate-100 align-top">
              <td className="px-3 py-2 text-xs">
                <DateTime value={r.at} />
              </td>
              <td className="px-3 py-2">{r.gateway ?? "—"}</td>
              <td className="px-3 py-2">{reasonText(r.reason)}</td>
              <td className="px-3 py-2 text-xs">{r.actor === "system" ? tc("systemActor") : r.actor}</td>
              <td className="px-3 py-2">
                {r.ok === null ? "—" : <Badge tone={r.ok ? "green" : "red"}>{t(r.ok ? "sync.repairs.ok" : "sync.repairs.failed")}</Badge>}
                {r.error ? <p className="mt-1 text-xs break-all text-red-700">{r.error}</p> : null}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
