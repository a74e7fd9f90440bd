"use client";

import { signIn } from "next-auth/react";
import { useFormatter, useTranslations } from "next-intl";
import { useState, useTransition } from "react";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { SubmitButton, TextField } from "../../(portal)/_components/form";

export function LoginForm({ callbackUrl }: { callbackUrl: string }) {
  const t = useTranslations("auth.login");
  const format = useFormatter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  // Busy until the next document replaces this one.
  const [leaving, setLeaving] = useState(false);

  function describe(code: string): string {
    const [kind, arg] = code.split(":");
    switch (kind) {
      case "rate_limited": {
        const at = new Date(Number(arg));
        return t("errors.rateLimited", { time: format.dateTime(at, { timeStyle: "short" }), relative: format.relativeTime(at) });
      }
      case "account_disabled":
        return t("errors.disabled");
      case "database_unavailable":
        return t("errors.unavailable");
      case "invalid_credentials":
      case "CredentialsSignin":
        return t("errors.invalid");
      default:
        return t("errors.unknown");
    }
  }

  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(async () => {
          setError(null);
          const res = await signIn("credentials", {
            redirect: false,
            email: String(data.get("email") ?? ""),
            password: String(data.get("password") ?? ""),
          }).catch(() => undefined);
          if (res?.ok && !res.error) {
            // The page already checked it; checked again here against the real origin. A document
            // navigation, not the client router: the server answers "/" with the role's landing
            // page as a redirect, so nothing blank is painted while a client-side redirect runs.
            setLeaving(true);
            window.location.replace(safeCallbackPath(callbackUrl, window.location.origin));
          } else {
            setError(describe(res?.error ?? "unknown"));
          }
        });
      }}
    >
      <TextField label={t("email")} name="email" type="email" autoComplete="username" required autoFocus />
      <TextField label={t("password")} name="password" type="password" autoComplete="current-password" required />
      {error ? (
        <p role="alert" data-testid="login-error" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <SubmitButton pending={pending || leaving} className="btn btn-primary w-full">
        {t("submit")}
      </SubmitButton>
    </form>
  );
}
