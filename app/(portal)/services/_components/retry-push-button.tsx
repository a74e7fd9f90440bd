"use client";

import { useTranslations } from "next-intl";
import { retryPushAction } from "@/lib/actions/retry-push";
import { Spinner } from "../../_components/form";
import { useServiceAction } from "./use-service-action";

export function RetryPushButton({ service }: { service: string }) {
  const t = useTranslations("services.sync");
  const { run, pending } = useServiceAction(retryPushAction, { successMessage: t("retried") });
  return (
    <button type="button" className="btn btn-primary btn-sm" disabled={pending} onClick={() => void run({ service })} data-testid="retry-push">
      {pending ? <Spinner /> : null}
      {t("retry")}
    </button>
  );
}
