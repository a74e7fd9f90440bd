"use client";

import { useTranslations } from "next-intl";
import type { GatewaySyncSummary } from "@/lib/reconcile/status";
import { DateTime } from "../../_components/date-time";
import { Badge, type BadgeTone } from "../../_components/states";

const TONE: Record<GatewaySyncSummary["status"], BadgeTone> = { in_sync: "green", failed: "red", pending: "amber", empty: "neutral" };

/** A gateway's sync status over every service, and its last successful sync. */
export function GatewaySyncCell({ summary }: { summary: GatewaySyncSummary | null | undefined }) {
  const t = useTranslations("reconcile");
  if (!summary) return null;
  const count = summary.status === "failed" ? summary.counts.failed : summary.counts.stale + summary.counts.never;
  return (
    <div className="space-y-1" data-testid="gateway-sync">
      <Badge tone={TONE[summary.status]}>{t(`status.${summary.status}`, { count })}</Badge>
      {summary.failing.length ? (
        <p className="max-w-xs text-xs break-words text-red-800">{summary.failing.map((f) => `${f.service}: ${f.error ?? ""}`).join("; ")}</p>
      ) : null}
      <p className="text-xs whitespace-nowrap text-slate-600">
        {summary.lastSuccessAt ? (
          <>
            {t("lastSuccess")} <DateTime value={summary.lastSuccessAt} />
          </>
        ) : (
          t("neverSynced")
        )}
      </p>
    </div>
  );
}
