"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { setApprovalPolicyAction } from "@/lib/approvals/actions/set-approval-policy";
import type { ApprovalPolicyView } from "@/lib/approvals/policy";
import { FieldError, SubmitButton } from "../../../_components/form";
import { submitValues, useAction } from "../../../_components/use-action";

export function PolicyRow({ policy }: { policy: ApprovalPolicyView }) {
  const t = useTranslations("approvals.settings");
  const router = useRouter();
  const save = useAction(setApprovalPolicyAction, { successMessage: (d) => t("saved", { service: d.serviceName }), onSuccess: () => router.refresh() });
  const form = `policy-${policy.serviceName}`;
  return (
    <tr data-testid={`policy-row-${policy.serviceName}`}>
      <td className="font-medium">{policy.serviceName}</td>
      <td>
        <input form={form} type="checkbox" name="promotionNeedsApproval" defaultChecked={policy.promotionNeedsApproval} aria-label={t("promotion")} />
      </td>
      <td>
        <input form={form} className="input w-24" type="number" min={0} max={99} name="stepsAbovePercent" defaultValue={policy.stepsAbovePercent ?? ""} aria-label={t("stepsAbove")} title={t("stepsHint")} />
        <FieldError errors={save.fieldErrors.stepsAbovePercent} />
      </td>
      <td>
        <input form={form} type="checkbox" name="managersMayApprove" defaultChecked={policy.managersMayApprove} aria-label={t("managers")} />
      </td>
      <td className="text-right">
        <form
          id={form}
          noValidate
          onSubmit={submitValues((v) => {
            void save.run({
              serviceName: policy.serviceName,
              promotionNeedsApproval: v.promotionNeedsApproval === "on",
              stepsAbovePercent: v.stepsAbovePercent ?? "",
              managersMayApprove: v.managersMayApprove === "on",
            });
          })}
        >
          <SubmitButton pending={save.pending} className="btn btn-sm">
            {t("save")}
          </SubmitButton>
        </form>
      </td>
    </tr>
  );
}
