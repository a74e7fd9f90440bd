"use client";

import { useTranslations } from "next-intl";
import { updateServiceAction } from "@/lib/actions/update-service";
import type { Algorithm, GrayRule } from "@/lib/gateways/types";
import { SubmitButton } from "../../_components/form";
import { submitForm } from "../../_components/use-action";
import { GrayRuleFields, grayFromForm } from "./gray-rule-fields";
import { useServiceAction } from "./use-service-action";

export function ServiceSettingsForm({ service, revision, algorithm, gray }: { service: string; revision: number; algorithm: Algorithm; gray: GrayRule }) {
  const t = useTranslations("services");
  const { run, pending, fieldErrors } = useServiceAction(updateServiceAction, { successMessage: t("toast.settingsSaved"), fieldsInline: true });
  return (
    <form
      className="space-y-4"
      aria-label={t("settings.title")}
      onSubmit={submitForm((f) => {
        void run({
          service,
          revision,
          algorithm: String(f.get("algorithm")) as Algorithm,
          gray: { ...grayFromForm(f), tester: gray.tester ?? null },
        });
      })}
    >
      <GrayRuleFields algorithm={algorithm} gray={gray} fieldErrors={fieldErrors} />
      <SubmitButton pending={pending}>{t("settings.save")}</SubmitButton>
    </form>
  );
}
