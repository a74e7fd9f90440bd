"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { resetUserPasswordAction } from "@/lib/actions/reset-user-password";
import { setUserDisabledAction } from "@/lib/actions/set-user-disabled";
import { updateUserRoleAction } from "@/lib/actions/update-user-role";
import { ROLES, type Role } from "@/lib/rbac";
import { ConfirmButton, ConfirmDialog } from "../../_components/dialog";
import { SecretModal } from "../../_components/secret-reveal";
import { useAction } from "../../_components/use-action";

type Row = { id: string; email: string; role: Role; disabled: boolean };

export function UserRowActions({ user, isSelf }: { user: Row; isSelf: boolean }) {
  const t = useTranslations("users");
  const tc = useTranslations("common");
  const tRoles = useTranslations("common.roles");
  const router = useRouter();
  const [newPassword, setNewPassword] = useState<string | null>(null);
  // A role picked in the select, waiting for confirmation; the select shows the stored role until then.
  const [nextRole, setNextRole] = useState<Role | null>(null);
  const refresh = () => router.refresh();

  const role = useAction(updateUserRoleAction, {
    successMessage: (d) => t("toast.roleChanged", { email: d.email, role: tRoles(d.role) }),
    onSuccess: refresh,
  });
  const disable = useAction(setUserDisabledAction, {
    successMessage: (d) => (d.disabled ? t("toast.disabled", { email: d.email }) : t("toast.enabled", { email: d.email })),
    onSuccess: refresh,
  });
  const reset = useAction(resetUserPasswordAction, { onSuccess: (d) => setNewPassword(d.password) });

  return (
    <div className="flex flex-wrap items-center justify-end gap-1.5">
      <label className="sr-only" htmlFor={`role-${user.id}`}>
        {t("changeRole")}
      </label>
      <select
        id={`role-${user.id}`}
        aria-label={t("changeRoleFor", { email: user.email })}
        className="input w-auto py-1 text-xs"
        value={user.role}
        disabled={role.pending}
        onChange={(e) => setNextRole(e.target.value as Role)}
      >
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {tRoles(r)}
          </option>
        ))}
      </select>
      <ConfirmDialog
        open={nextRole !== null}
        onClose={() => setNextRole(null)}
        title={t("roleConfirm.title", { email: user.email, role: tRoles(nextRole ?? user.role) })}
        impact={t("roleConfirm.impact", { role: tRoles(nextRole ?? user.role) })}
        confirmLabel={t("roleConfirm.confirm")}
        onConfirm={() => nextRole && role.run({ id: user.id, role: nextRole })}
      />
      {user.disabled ? (
        <button type="button" className="btn btn-sm" disabled={disable.pending} onClick={() => void disable.run({ id: user.id, disabled: false })}>
          {t("enable")}
        </button>
      ) : (
        <ConfirmButton
          danger
          disabled={isSelf}
          label={t("disable")}
          title={t("disableConfirm.title", { email: user.email })}
          impact={t("disableConfirm.impact")}
          confirmLabel={t("disable")}
          onConfirm={() => disable.run({ id: user.id, disabled: true })}
        />
      )}
      <ConfirmButton
        label={t("resetPassword")}
        title={t("resetConfirm.title", { email: user.email })}
        impact={t("resetConfirm.impact")}
        confirmLabel={t("resetPassword")}
        onConfirm={() => reset.run({ id: user.id })}
      />
      {newPassword !== null ? (
        <SecretModal
          title={t("resetDone.title", { email: user.email })}
          label={t("resetDone.label")}
          value={newPassword}
          warning={t("form.shownOnce")}
          closeLabel={tc("close")}
          onClose={() => setNewPassword(null)}
        />
      ) : null}
    </div>
  );
}
