"use client";

import { useTranslations } from "next-intl";
import { ErrorState } from "./_components/states";

// Server errors reach the browser without their message in production (only a digest),
// so this says what people can do; the digest matches the server log line.
export default function PortalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const t = useTranslations("common.errorPage");
  return (
    <ErrorState title={t("title")}>
      <p>{t("body")}</p>
      {error.digest ? <p className="mt-1 font-mono text-xs">{t("reference", { digest: error.digest })}</p> : null}
      <button type="button" className="btn mt-3" onClick={reset}>
        {t("retry")}
      </button>
    </ErrorState>
  );
}
