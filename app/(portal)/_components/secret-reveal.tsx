"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { Modal } from "./dialog";

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

/** A dialog that shows a secret once (a webhook's signing secret, a reset password) until closed. */
export function SecretModal({ title, label, value, warning, closeLabel, onClose }: { title: string; label: string; value: string; warning: string; closeLabel: string; onClose: () => void }) {
  return (
    <Modal open onClose={onClose} title={title}>
      <SecretReveal label={label} value={value} warning={warning} />
      <div className="mt-4 flex justify-end">
        <button type="button" className="btn" onClick={onClose}>
          {closeLabel}
        </button>
      </div>
    </Modal>
  );
}
