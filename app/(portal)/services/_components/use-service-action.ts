"use client";

import { useTranslations } from "next-intl";
import { useCallback } from "react";
import type { ActionResult } from "@/lib/actions/safe-action";
import { MAX_NODES_PER_SERVICE } from "@/lib/contract/limits";
import type { MutationResult } from "@/lib/services/mutations";
import { useAction } from "../../_components/use-action";
import { useToast } from "../../_components/toaster";

type Outcome = MutationResult["outcomes"][number];

/** Translates a gateway error code: known codes from the errors catalog, others shown with their code. */
export function useGatewayErrorText() {
  const te = useTranslations("errors");
  return useCallback(
    (code: string | null, message: string) => {
      const key = `gateway.${code ?? "unknown"}`;
      return code && te.has(key) ? te(key, { message }) : te("gateway.unknown", { message, code: code ?? "?" });
    },
    [te],
  );
}

/** Field-error keys from the services catalog (validation.*, refused.*) → text; limits are named in the text. */
export function useFieldErrorText() {
  const t = useTranslations("services");
  return useCallback((errors: string[] | undefined) => errors?.map((k) => (t.has(k) ? t(k, { limit: MAX_NODES_PER_SERVICE }) : k)), [t]);
}

/**
 * Runs a service/node action and shows what each gateway did: a success toast when all
 * took the change, an error toast naming every gateway that failed and why otherwise.
 * A refusal to leave no stable node (field `force`) is shown as an error toast too.
 */
export function useServiceAction<I>(
  action: (input: I) => Promise<ActionResult<MutationResult>>,
  opts: {
    successMessage: string;
    onDone?: (r: MutationResult) => void;
    /** The form shows field errors next to its fields; otherwise (dialogs) they go to a toast. */
    fieldsInline?: boolean;
  },
) {
  const t = useTranslations("services");
  const toast = useToast();
  const gatewayError = useGatewayErrorText();
  const fieldText = useFieldErrorText();

  const onSuccess = useCallback(
    (r: MutationResult) => {
      const failed = r.outcomes.filter((o) => !o.ok);
      const lines = r.outcomes.map((o: Outcome) =>
        o.ok ? t("outcome.okLine", { gateway: o.gatewayName }) : t("outcome.failedLine", { gateway: o.gatewayName, error: gatewayError(o.code, o.message) }),
      );
      if (r.outcomes.length === 0) toast.show("info", `${opts.successMessage}\n${t("outcome.noGateways")}`);
      else if (failed.length === 0) toast.show("success", [opts.successMessage, ...lines].join("\n"));
      else toast.show("error", [t("outcome.someFailed", { failed: failed.length, total: r.outcomes.length }), ...lines].join("\n"));
      opts.onDone?.(r);
    },
    [t, toast, gatewayError, opts],
  );

  const inner = useAction(action, { onSuccess });
  const run = useCallback(
    async (input: I) => {
      const result = await inner.run(input);
      const fe = result.ok ? undefined : result.error.fieldErrors;
      if (fe?.force) toast.show("error", fieldText(fe.force)!.join(" "));
      else if (fe && !opts.fieldsInline && !fe._form) {
        const text = Object.values(fe).flatMap((v) => fieldText(v) ?? []);
        if (text.length) toast.show("error", text.join("\n"));
      }
      return result;
    },
    [inner, toast, fieldText, opts.fieldsInline],
  );
  return { ...inner, run };
}
