"use client";

import { useTranslations } from "next-intl";
import Link from "next/link";
import { useState } from "react";
import { verifyAuditAction, type VerifyAuditResult } from "@/lib/actions/verify-audit";
import { useAction } from "../../_components/use-action";

/** Walks the hash chain on the server and shows what it found (MANAGER and ADMIN). */
export function VerifyButton() {
  const t = useTranslations("audit.verify");
  const [result, setResult] = useState<VerifyAuditResult | null>(null);
  const { run, pending } = useAction(verifyAuditAction, { onSuccess: setResult });

  return (
    <section className="flex flex-wrap items-start gap-3" aria-live="polite">
      <button
        type="button"
        className="btn"
        disabled={pending}
        onClick={() => {
          setResult(null);
          void run({});
        }}
        data-testid="verify-audit"
      >
        {pending ? t("running") : t("button")}
      </button>
      {result?.ok ? (
        <p className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200" data-testid="verify-result" data-ok="true">
          {t("ok", { count: result.checked, ms: result.ms })}
        </p>
      ) : result ? (
        <div className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-red-200" data-testid="verify-result" data-ok="false" data-broken-at={result.brokenAt}>
          <p className="font-medium">{t("broken", { id: result.brokenAt, reason: t(`codes.${result.code}`) })}</p>
          <p>
            {t("checkedBefore", { count: result.checked })}{" "}
            <Link href={`/audit/${result.brokenAt}`} className="underline" data-testid="verify-broken-link">
              {t("open", { id: result.brokenAt })}
            </Link>
          </p>
        </div>
      ) : null}
    </section>
  );
}
