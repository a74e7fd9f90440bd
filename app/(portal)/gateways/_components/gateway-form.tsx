"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { createGatewayAction } from "@/lib/actions/create-gateway";
import { updateGatewayAction } from "@/lib/actions/update-gateway";
import { Modal } from "../../_components/dialog";
import { SubmitButton, TextField } from "../../_components/form";
import { submitValues, useAction } from "../../_components/use-action";

type Existing = { id: string; name: string; adminUrl: string; proxyUrl: string | null; group?: string };

/** Add (mode "create") or edit a gateway. The token is write-only: never shown, empty keeps it. */
export function GatewayFormButton(props: { mode: "create" } | { mode: "edit"; gateway: Existing }) {
  const t = useTranslations("gateways");
  const [open, setOpen] = useState(false);
  const label = props.mode === "create" ? t("add") : t("edit");
  return (
    <>
      <button type="button" className={props.mode === "create" ? "btn btn-primary" : "btn btn-sm"} onClick={() => setOpen(true)}>
        {label}
      </button>
      <Modal open={open} onClose={() => setOpen(false)} title={props.mode === "create" ? t("form.createTitle") : t("form.editTitle", { name: props.gateway.name })}>
        <GatewayForm {...props} onDone={() => setOpen(false)} />
      </Modal>
    </>
  );
}

function GatewayForm(props: ({ mode: "create" } | { mode: "edit"; gateway: Existing }) & { onDone: () => void }) {
  const t = useTranslations("gateways");
  const tc = useTranslations("common");
  const router = useRouter();
  const editing = props.mode === "edit" ? props.gateway : null;
  const onSuccess = () => {
    props.onDone();
    router.refresh();
  };
  const create = useAction(createGatewayAction, { successMessage: (d) => t("toast.created", { name: d.name }), onSuccess });
  const update = useAction(updateGatewayAction, { successMessage: (d) => t("toast.updated", { name: d.name }), onSuccess });
  const { pending, fieldErrors } = editing ? update : create;

  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={submitValues((v) => {
        const input = { name: v.name ?? "", adminUrl: v.adminUrl ?? "", proxyUrl: v.proxyUrl ?? "", token: v.token ?? "", group: v.group ?? "" };
        if (editing) void update.run({ id: editing.id, ...input });
        else void create.run(input);
      })}
    >
      <TextField label={t("form.name")} name="name" defaultValue={editing?.name} errors={fieldErrors.name} hint={t("form.nameHint")} required autoComplete="off" />
      <TextField
        label={t("form.adminUrl")}
        name="adminUrl"
        type="url"
        defaultValue={editing?.adminUrl}
        placeholder="http://127.0.0.1:6000"
        errors={fieldErrors.adminUrl}
        hint={t("form.adminUrlHint")}
        required
        autoComplete="off"
      />
      <TextField
        label={t("form.proxyUrl")}
        name="proxyUrl"
        type="url"
        defaultValue={editing?.proxyUrl ?? ""}
        placeholder="http://gateway.example.com"
        errors={fieldErrors.proxyUrl}
        hint={t("form.proxyUrlHint")}
        autoComplete="off"
      />
      <TextField label={t("form.group")} name="group" defaultValue={editing?.group ?? "default"} errors={fieldErrors.group} hint={t("form.groupHint")} autoComplete="off" />
      <TextField
        label={t("form.token")}
        name="token"
        type="password"
        errors={fieldErrors.token}
        hint={editing ? t("form.tokenKeepHintUrl") : t("form.tokenHint")}
        required={!editing}
        autoComplete="new-password"
      />
      <div className="flex justify-end gap-2 pt-2">
        <button type="button" className="btn" onClick={props.onDone}>
          {tc("cancel")}
        </button>
        <SubmitButton pending={pending}>{editing ? tc("save") : t("form.create")}</SubmitButton>
      </div>
    </form>
  );
}
