"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { reconcileNowAction } from "@/lib/actions/reconcile-now";
import { gatewayErrorMessage } from "@/lib/i18n/gateway-errors";
import { Spinner } from "../../_components/form";
import { useToast } from "../../_components/toaster";
import { useAction } from "../../_components/use-action";

/** Runs the reconciler's pass now, for every gateway (ADMIN: gateways.write). */
export function ReconcileButton() {
  const t = useTranslations("reconcile");
  const tErrors = useTranslations("errors");
  const router = useRouter();
  const toast = useToast();
  const reconcile = useAction(reconcileNowAction, {
    onSuccess(report) {
      if (report.failures) {
        const details = report.gateways
          .flatMap((g) => [
            ...(g.error ? [`${g.gatewayName}: ${gatewayErrorMessage(tErrors, g.error)}`] : []),
            ...g.repaired.filter((r) => !r.ok).map((r) => `${g.gatewayName}/${r.service}: ${gatewayErrorMessage(tErrors, { code: r.code ?? "unknown", message: "" })}`),
          ])
          .join("; ");
        toast.show("error", t("toast.failed", { failures: report.failures, details }));
      } else {
        toast.show("success", t("toast.done", { ms: report.durationMs, repairs: report.repairs }));
      }
      router.refresh();
    },
  });
  return (
    <button type="button" className="btn" data-testid="reconcile-now" disabled={reconcile.pending} onClick={() => void reconcile.run({})}>
      {reconcile.pending ? <Spinner /> : null}
      {t("now")}
    </button>
  );
}
