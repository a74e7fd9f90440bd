"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";

/** A secret shown exactly once (new password, API token), with a copy button. */
export function SecretReveal({ label, value, warning }: { label: string; value: string; warning: string }) {
  const t = useTranslations("common");
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3" data-testid="secret-reveal">
      <p className="text-sm font-medium text-amber-900">{label}</p>
      <div className="flex items-center gap-2">
        <code data-testid="secret-value" className="min-w-0 flex-1 rounded bg-white px-2 py-1 font-mono text-sm break-all select-all">
          {value}
        </code>
        <button
          type="button"
          className="btn btn-sm"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(value);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? t("copied") : t("copy")}
        </button>
      </div>
      <p className="text-xs text-amber-800">{warning}</p>
    </div>
  );
}
