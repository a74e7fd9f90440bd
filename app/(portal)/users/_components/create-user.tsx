"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { createUserAction } from "@/lib/actions/create-user";
import { ROLES, type Role } from "@/lib/rbac";
import { Modal } from "../../_components/dialog";
import { SelectField, SubmitButton, TextField } from "../../_components/form";
import { SecretReveal } from "../../_components/secret-reveal";
import { submitValues, useAction } from "../../_components/use-action";

export function CreateUserButton() {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const tRoles = useTranslations("common.roles");
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<{ email: string; password: string | null } | null>(null);
  const create = useAction(createUserAction, {
    successMessage: (d) => t("toast.created", { email: d.email }),
    onSuccess(d) {
      setCreated({ email: d.email, password: d.generatedPassword });
      router.refresh();
    },
  });
  const close = () => {
    setOpen(false);
    setCreated(null);
    create.setFieldErrors({});
  };
  return (
    <>
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
        {t("add")}
      </button>
      <Modal open={open} onClose={close} title={t("form.title")}>
        {created ? (
          <div className="space-y-4">
            <p className="text-sm">{t("form.createdFor", { email: created.email })}</p>
            {created.password ? <SecretReveal label={t("form.generatedPassword")} value={created.password} warning={t("form.shownOnce")} /> : null}
            <div className="flex justify-end">
              <button type="button" className="btn" onClick={close}>
                {tc("close")}
              </button>
            </div>
          </div>
        ) : (
          <form
            noValidate
            className="space-y-4"
            onSubmit={submitValues((v) => {
              void create.run({ email: v.email ?? "", name: v.name ?? "", role: (v.role ?? "OPERATOR") as Role, password: v.password ?? "" });
            })}
          >
            <TextField label={t("form.email")} name="email" type="email" required autoComplete="off" errors={create.fieldErrors.email} />
            <TextField label={t("form.name")} name="name" autoComplete="off" errors={create.fieldErrors.name} />
            <SelectField
              label={t("form.role")}
              name="role"
              defaultValue="OPERATOR"
              options={ROLES.map((r) => ({ value: r, label: tRoles(r) }))}
              errors={create.fieldErrors.role}
              hint={t("form.roleHint")}
            />
            <TextField
              label={t("form.password")}
              name="password"
              type="password"
              autoComplete="new-password"
              errors={create.fieldErrors.password}
              hint={t("form.passwordHint")}
            />
            <div className="flex justify-end gap-2 pt-2">
              <button type="button" className="btn" onClick={close}>
                {tc("cancel")}
              </button>
              <SubmitButton pending={create.pending}>{t("form.submit")}</SubmitButton>
            </div>
          </form>
        )}
      </Modal>
    </>
  );
}
