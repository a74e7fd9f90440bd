"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { updateProfileAction } from "@/lib/actions/update-profile";
import { LOCALES, LOCALE_NAMES } from "@/lib/i18n/locales";
import { SelectField, SubmitButton, TextField } from "../../_components/form";
import { submitValues, useAction } from "../../_components/use-action";

export function ProfileForm(props: { name: string; locale: string; timeZone: string; timeZones: string[] }) {
  const t = useTranslations("settings.profile");
  const tc = useTranslations("common");
  const router = useRouter();
  const save = useAction(updateProfileAction, { successMessage: tc("saved"), onSuccess: () => router.refresh() });
  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={submitValues((v) => {
        void save.run({ name: v.name ?? "", locale: (v.locale ?? "") as "" | (typeof LOCALES)[number], timeZone: v.timeZone ?? "" });
      })}
    >
      <TextField label={t("name")} name="name" defaultValue={props.name} errors={save.fieldErrors.name} autoComplete="name" />
      <SelectField
        label={t("language")}
        name="locale"
        defaultValue={props.locale}
        errors={save.fieldErrors.locale}
        options={[{ value: "", label: t("languageAuto") }, ...LOCALES.map((l) => ({ value: l, label: LOCALE_NAMES[l] }))]}
      />
      <SelectField
        label={t("timeZone")}
        name="timeZone"
        defaultValue={props.timeZone}
        errors={save.fieldErrors.timeZone}
        hint={t("timeZoneHint")}
        options={[{ value: "", label: t("timeZoneDefault") }, ...props.timeZones.map((z) => ({ value: z, label: z }))]}
      />
      <div className="flex justify-end">
        <SubmitButton pending={save.pending}>{tc("save")}</SubmitButton>
      </div>
    </form>
  );
}
