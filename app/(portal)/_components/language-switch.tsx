"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { setLocaleAction } from "@/lib/actions/set-locale";
import { LOCALES, LOCALE_NAMES } from "@/lib/i18n/locales";
import { useToast } from "./toaster";

export function LanguageSwitch() {
  const t = useTranslations("common");
  const current = useLocale();
  const router = useRouter();
  const toast = useToast();
  const [pending, startTransition] = useTransition();
  return (
    <div role="group" aria-label={t("language")} className="inline-flex overflow-hidden rounded-md border border-slate-300 text-xs" data-testid="language-switch">
      {LOCALES.map((locale) => (
        <button
          key={locale}
          type="button"
          lang={locale}
          aria-pressed={current === locale}
          disabled={pending}
          className={`px-2 py-1 ${current === locale ? "bg-slate-800 text-white" : "bg-white text-slate-700 hover:bg-slate-100"}`}
          onClick={() =>
            startTransition(async () => {
              const result = await setLocaleAction({ locale });
              if (!result.ok) toast.show("error", result.error.message);
              router.refresh();
            })
          }
        >
          {LOCALE_NAMES[locale]}
        </button>
      ))}
    </div>
  );
}
