"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { createWebhookAction } from "@/lib/notifications/actions/create-webhook";
import { updateWebhookAction } from "@/lib/notifications/actions/update-webhook";
import { EVENT_TYPES, WEBHOOK_FORMATS } from "@/lib/notifications/constants";
import type { WebhookView } from "@/lib/notifications/webhooks";
import { Modal } from "../../../_components/dialog";
import { FieldError, SelectField, SubmitButton, TextField } from "../../../_components/form";
import { SecretModal } from "../../../_components/secret-reveal";
import { formToObject, useAction } from "../../../_components/use-action";

/** Add (mode "create") or edit a webhook. URL and robot secret are write-only: empty keeps them. */
export function WebhookFormButton(props: { mode: "create" } | { mode: "edit"; webhook: WebhookView }) {
  const t = useTranslations("notifications");
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  return (
    <>
      <button type="button" className={props.mode === "create" ? "btn btn-primary" : "btn btn-sm"} onClick={() => setOpen(true)} data-testid={props.mode === "create" ? "webhook-add" : undefined}>
        {props.mode === "create" ? t("add") : t("edit")}
      </button>
      <Modal open={open} onClose={() => setOpen(false)} title={props.mode === "create" ? t("form.createTitle") : t("form.editTitle", { name: props.webhook.name })}>
        <WebhookForm
          {...props}
          onDone={(secret) => {
            setOpen(false);
            if (secret) setCreated(secret);
          }}
        />
      </Modal>
      {created ? (
        <WebhookSecretModal name={created.name} secret={created.secret} onClose={() => setCreated(null)} />
      ) : null}
    </>
  );
}

/** A webhook's signing secret, shown once: after the webhook is created and after a rotation. */
export function WebhookSecretModal({ name, secret, onClose }: { name: string; secret: string; onClose: () => void }) {
  const t = useTranslations("notifications");
  const tc = useTranslations("common");
  return <SecretModal title={t("secretLabel", { name })} label={t("secretLabel", { name })} value={secret} warning={t("secretShownOnce")} closeLabel={tc("dismiss")} onClose={onClose} />;
}

function WebhookForm(props: ({ mode: "create" } | { mode: "edit"; webhook: WebhookView }) & { onDone: (created: { name: string; secret: string } | null) => void }) {
  const t = useTranslations("notifications");
  const router = useRouter();
  const eventsId = useId();
  const editing = props.mode === "edit" ? props.webhook : null;
  const create = useAction(createWebhookAction, {
    successMessage: (d) => t("saved", { name: d.name }),
    onSuccess: (d) => {
      props.onDone({ name: d.name, secret: d.secret });
      router.refresh();
    },
  });
  const update = useAction(updateWebhookAction, {
    successMessage: (d) => t("saved", { name: d.name }),
    onSuccess: () => {
      props.onDone(null);
      router.refresh();
    },
  });
  const { pending, fieldErrors } = editing ? update : create;
  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const v = formToObject(form);
        const events = new FormData(form).getAll("events").map(String) as (typeof EVENT_TYPES)[number][];
        const common = {
          name: v.name ?? "",
          format: (v.format ?? "generic") as (typeof WEBHOOK_FORMATS)[number],
          serviceName: v.serviceName ?? "",
          events,
          locale: (v.locale ?? "en") as "en" | "zh-CN",
          enabled: v.enabled === "on",
          url: v.url ?? "",
          signSecret: v.signSecret ?? "",
        };
        if (editing) void update.run({ id: editing.id, ...common, clearSignSecret: v.clearSignSecret === "on" });
        else void create.run(common);
      }}
    >
      <TextField label={t("form.name")} name="name" defaultValue={editing?.name} errors={fieldErrors.name} required autoComplete="off" />
      <SelectField label={t("form.format")} name="format" defaultValue={editing?.format ?? "generic"} errors={fieldErrors.format} options={WEBHOOK_FORMATS.map((f) => ({ value: f, label: t(`formats.${f}`) }))} />
      <TextField
        label={t("form.url")}
        name="url"
        type="url"
        placeholder={editing ? editing.urlDisplay : "https://hooks.example.com/graylane"}
        errors={fieldErrors.url}
        hint={editing ? t("form.urlKeep") : t("form.urlHint")}
        required={!editing}
        autoComplete="off"
      />
      <TextField label={t("form.serviceName")} name="serviceName" defaultValue={editing?.serviceName ?? ""} errors={fieldErrors.serviceName} hint={t("form.serviceHint")} autoComplete="off" />
      <fieldset className="space-y-1" aria-describedby={`${eventsId}-error`}>
        <legend className="text-sm font-medium text-slate-700">{t("form.events")}</legend>
        {EVENT_TYPES.map((e) => (
          <label key={e} className="flex items-center gap-2 text-sm">
            <input type="checkbox" name="events" value={e} defaultChecked={editing ? editing.events.includes(e) : true} />
            {t(`events.${e}`)}
          </label>
        ))}
        <FieldError id={`${eventsId}-error`} errors={fieldErrors.events} />
      </fieldset>
      <SelectField
        label={t("form.locale")}
        name="locale"
        defaultValue={editing?.locale ?? "en"}
        errors={fieldErrors.locale}
        options={[
          { value: "en", label: "English" },
          { value: "zh-CN", label: "简体中文" },
        ]}
      />
      <TextField
        label={t("form.signSecret")}
        name="signSecret"
        type="password"
        errors={fieldErrors.signSecret}
        hint={editing?.hasSignSecret ? t("form.signSecretKeep") : t("form.signSecretHint")}
        autoComplete="off"
      />
      {editing?.hasSignSecret ? (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="clearSignSecret" /> {t("form.clearSignSecret")}
        </label>
      ) : null}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" name="enabled" defaultChecked={editing ? editing.enabled : true} /> {t("form.enabled")}
      </label>
      <div className="flex justify-end gap-2">
        <button type="button" className="btn" onClick={() => props.onDone(null)}>
          {t("form.cancel")}
        </button>
        <SubmitButton pending={pending}>{t("form.save")}</SubmitButton>
      </div>
    </form>
  );
}
