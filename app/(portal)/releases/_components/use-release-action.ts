"use client";

import { useTranslations } from "next-intl";
import { useCallback } from "react";
import type { ActionResult } from "@/lib/actions/safe-action";
import type { ReleaseResult } from "@/lib/releases/mutations";
import { useAction } from "../../_components/use-action";
import { useToast } from "../../_components/toaster";
import { useGatewayErrorText } from "../../services/_components/use-service-action";

/** Field-error keys (validation.*, guard.*) from the releases catalog → text. */
export function useReleaseFieldText() {
  const t = useTranslations("releases");
  return useCallback(
    (errors: string[] | undefined) =>
      errors?.map((k) => {
        const key = k.startsWith("guard.") ? `guardShort.${k.slice(6)}` : k;
        return t.has(key) ? t(key) : k;
      }),
    [t],
  );
}

/**
 * Runs a release action: success toast when every gateway took the change, an error
 * toast naming each gateway that did not otherwise. Field errors stay with the form.
 */
export function useReleaseAction<I>(action: (input: I) => Promise<ActionResult<ReleaseResult>>, opts: { successMessage: string; onDone?: (r: ReleaseResult) => void }) {
  const t = useTranslations("releases");
  const toast = useToast();
  const gatewayError = useGatewayErrorText();
  const onSuccess = useCallback(
    (r: ReleaseResult) => {
      const failed = r.outcomes.filter((o) => !o.ok);
      if (failed.length === 0) toast.show("success", opts.successMessage);
      else toast.show("error", t("controls.pushFailed", { gateways: failed.map((o) => `${o.gatewayName} (${gatewayError(o.code, o.message)})`).join(", ") }));
      opts.onDone?.(r);
    },
    [t, toast, gatewayError, opts],
  );
  return useAction(action, { onSuccess });
}
