"use client";

import { useTranslations } from "next-intl";
import type { GuardRefusal } from "@/lib/releases/guards";
import { TextField } from "../../_components/form";

export type OverrideValue = { confirm: string; reason: string };

/** What the guard rails refuse, and the fields to override them (service name + reason). */
export function GuardPanel({
  service,
  refusals,
  value,
  onChange,
  errors,
}: {
  service: string;
  refusals: GuardRefusal[];
  value: OverrideValue;
  onChange: (v: OverrideValue) => void;
  errors: Record<string, string[] | undefined>;
}) {
  const t = useTranslations("releases.guard");
  return (
    <div className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-3" data-testid="guard-panel" role="alert">
      <p className="font-medium text-amber-900">{t("title")}</p>
      <ul className="list-disc pl-5 text-sm text-amber-900">
        {refusals.map((r) => (
          <li key={r.code} data-testid={`guard-${r.code}`}>
            {t(r.code, { nodes: r.nodes.join(", "), gateways: r.gateways.join(", ") })}
          </li>
        ))}
      </ul>
      <p className="text-sm text-amber-900">{t("overrideHint")}</p>
      <TextField
        label={t("confirm", { service })}
        name="override.confirm"
        value={value.confirm}
        autoComplete="off"
        onChange={(e) => onChange({ ...value, confirm: e.target.value })}
        errors={errors["override.confirm"]}
      />
      <TextField label={t("reason")} name="override.reason" value={value.reason} onChange={(e) => onChange({ ...value, reason: e.target.value })} errors={errors["override.reason"]} />
    </div>
  );
}
