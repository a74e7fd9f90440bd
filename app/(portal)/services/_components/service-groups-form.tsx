"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { setServiceGroupsAction } from "@/lib/fleet/actions";
import { SubmitButton, TextField } from "../../_components/form";
import { submitValues, useAction } from "../../_components/use-action";

/** The fleet groups a service is deployed to (issue 15). */
export function ServiceGroupsForm({ service, groups }: { service: string; groups: string[] }) {
  const t = useTranslations("services");
  const router = useRouter();
  const save = useAction(setServiceGroupsAction, { successMessage: () => t("toast.groupsSaved", { service }), onSuccess: () => router.refresh() });
  return (
    <form
      noValidate
      className="mt-4 grid gap-3 border-t border-slate-200 pt-4 sm:grid-cols-[1fr_auto] sm:items-start"
      data-testid="service-groups-form"
      onSubmit={submitValues((v) => {
        void save.run({ service, groups: v.groups ?? "" });
      })}
    >
      <TextField label={t("form.groups")} name="groups" defaultValue={groups.join(", ")} errors={save.fieldErrors.groups} hint={t("form.groupsHint")} autoComplete="off" />
      <div className="sm:pt-6">
        <SubmitButton pending={save.pending}>{t("form.saveGroups")}</SubmitButton>
      </div>
    </form>
  );
}
