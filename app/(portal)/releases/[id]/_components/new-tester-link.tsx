"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { renewReleaseTesterLinkAction } from "@/lib/actions/renew-release-tester-link";
import { DEFAULT_TESTER_HOURS, MAX_TESTER_HOURS } from "@/lib/releases/plan";
import { ConfirmButton } from "../../../_components/dialog";
import { FieldError } from "../../../_components/form";
import { useReleaseAction, useReleaseFieldText } from "../../_components/use-release-action";

/** Renews (or revokes) tester access: a new expiry and cookie name; earlier tester cookies stop working. */
export function NewTesterLink({ id }: { id: string }) {
  const t = useTranslations("releases.tester");
  const router = useRouter();
  const fieldText = useReleaseFieldText();
  const [hours, setHours] = useState(String(DEFAULT_TESTER_HOURS));
  const renew = useReleaseAction(renewReleaseTesterLinkAction, { successMessage: t("renewed"), onDone: () => router.refresh() });
  return (
    <div className="space-y-1" data-testid="new-tester-link">
      <ConfirmButton
        className="btn btn-sm"
        label={t("renew")}
        title={t("renewTitle")}
        impact={
          <div className="space-y-3">
            <p>{t("renewImpact")}</p>
            <label className="block">
              <span className="block text-slate-700">{t("renewHours", { max: MAX_TESTER_HOURS })}</span>
              <input className="input w-28" name="testerHours" inputMode="decimal" value={hours} onChange={(e) => setHours(e.target.value)} />
            </label>
          </div>
        }
        confirmLabel={t("renew")}
        onConfirm={() => renew.run({ id, hours: Number(hours) })}
        disabled={renew.pending}
      />
      <FieldError errors={fieldText(renew.fieldErrors.hours)} />
    </div>
  );
}
