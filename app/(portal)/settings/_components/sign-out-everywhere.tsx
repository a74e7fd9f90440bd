"use client";

import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { signOutEverywhereAction } from "@/lib/actions/sign-out-everywhere";
import { ConfirmButton } from "../../_components/dialog";
import { useAction } from "../../_components/use-action";

export function SignOutEverywhere() {
  const t = useTranslations("settings.sessions");
  const action = useAction(signOutEverywhereAction, {
    // The cookie in this browser is already worthless; clearing it lands here on the login page.
    onSuccess: () => void signOut({ callbackUrl: "/login" }),
  });
  return (
    <ConfirmButton
      label={t("signOutEverywhere")}
      className="btn"
      title={t("confirm.title")}
      impact={t("confirm.impact")}
      confirmLabel={t("signOutEverywhere")}
      danger
      onConfirm={() => action.run({})}
    />
  );
}
