"use client";

import { useTranslations } from "next-intl";
import type { Impact } from "@/lib/services/impact";

/** "Leaves 2 of 4 nodes in the stable pool", and the force choice when none would be left. */
export function ImpactText({ impact, force, onForce }: { impact: Impact; force: boolean; onForce: (v: boolean) => void }) {
  const t = useTranslations("services.impact");
  return (
    <div className="space-y-2" data-testid="impact">
      <p>{t("leaves", { stable: impact.stableAfter, total: impact.totalBefore })}</p>
      {impact.backupAfter > 0 && impact.stableAfter === 0 ? <p>{t("backupsOnly", { count: impact.backupAfter })}</p> : null}
      {impact.leavesNoStable ? (
        <div className="rounded-md border border-red-200 bg-red-50 p-3 text-red-900">
          <p className="font-medium">{t("noStable")}</p>
          <label className="mt-2 flex items-center gap-2">
            <input type="checkbox" checked={force} onChange={(e) => onForce(e.target.checked)} data-testid="force" />
            {t("force")}
          </label>
        </div>
      ) : null}
    </div>
  );
}
