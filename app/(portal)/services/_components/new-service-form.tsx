"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { createServiceAction } from "@/lib/actions/create-service";
import { NODE_STATES, type Algorithm, type NodeState } from "@/lib/gateways/types";
import { computeImpact } from "@/lib/services/impact";
import { DEFAULT_GRAY } from "@/lib/services/state";
import { SubmitButton, TextField } from "../../_components/form";
import { submitForm } from "../../_components/use-action";
import { GrayRuleFields, grayFromForm } from "./gray-rule-fields";
import { ImpactText } from "./impact-text";
import { useFieldErrorText, useServiceAction } from "./use-service-action";

type Row = { key: number; addr: string; weight: string; state: NodeState };

export function NewServiceForm() {
  const t = useTranslations("services");
  const fe = useFieldErrorText();
  const router = useRouter();
  const [rows, setRows] = useState<Row[]>([{ key: 0, addr: "", weight: "1", state: "active" }]);
  const [force, setForce] = useState(false);
  const [name, setName] = useState("");
  const { run, pending, fieldErrors } = useServiceAction(createServiceAction, {
    successMessage: t("toast.created", { service: name }),
    fieldsInline: true,
    onDone: (r) => router.push(`/services/${encodeURIComponent(r.service)}`),
  });
  const filled = rows.filter((r) => r.addr.trim());
  const impact = computeImpact([], filled.map((r) => ({ addr: r.addr, weight: 1, state: r.state, backup: false })));
  const setRow = (key: number, patch: Partial<Row>) => setRows((all) => all.map((r) => (r.key === key ? { ...r, ...patch } : r)));

  return (
    <form
      className="space-y-6"
      onSubmit={submitForm((f) => {
        void run({
          name,
          algorithm: String(f.get("algorithm")) as Algorithm,
          gray: grayFromForm(f),
          nodes: filled.map((r) => ({ addr: r.addr, weight: r.weight, state: r.state })),
          force,
          groups: String(f.get("groups") ?? ""),
        });
      })}
    >
      <TextField label={t("form.name")} name="name" value={name} onChange={(e) => setName(e.target.value)} errors={fe(fieldErrors.name)} hint={t("form.nameHint")} required autoComplete="off" />
      <TextField label={t("form.groups")} name="groups" defaultValue="default" errors={fe(fieldErrors.groups)} hint={t("form.groupsHint")} autoComplete="off" />
      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold">{t("form.grayTitle")}</legend>
        <GrayRuleFields algorithm="round_robin" gray={DEFAULT_GRAY} fieldErrors={fieldErrors} />
      </fieldset>
      <fieldset className="space-y-2">
        <legend className="text-sm font-semibold">{t("form.firstNodes")}</legend>
        {rows.map((r, i) => (
          <div key={r.key} className="grid grid-cols-[1fr_5rem] gap-2 sm:grid-cols-[2fr_6rem_8rem_auto] sm:items-start" data-testid="new-node-row">
            <div>
              <input className="input" aria-label={t("nodes.addr")} placeholder="127.0.0.1:8081" value={r.addr} onChange={(e) => setRow(r.key, { addr: e.target.value })} />
              {fieldErrors[`nodes.${filled.indexOf(r)}.addr`] && filled.includes(r) ? (
                <p role="alert" data-testid="field-error" className="text-xs text-red-700">
                  {fe(fieldErrors[`nodes.${filled.indexOf(r)}.addr`])?.join(" ")}
                </p>
              ) : null}
            </div>
            <input className="input" aria-label={t("nodes.weight")} type="number" min={1} max={100} value={r.weight} onChange={(e) => setRow(r.key, { weight: e.target.value })} />
            <select className="input" aria-label={t("nodes.state")} value={r.state} onChange={(e) => setRow(r.key, { state: e.target.value as NodeState })}>
              {NODE_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`state.${s}`)}
                </option>
              ))}
            </select>
            <button type="button" className="btn btn-sm" disabled={rows.length === 1} onClick={() => setRows((all) => all.filter((x) => x.key !== r.key))} aria-label={t("form.removeRow", { n: i + 1 })}>
              ×
            </button>
          </div>
        ))}
        <button type="button" className="btn btn-sm" onClick={() => setRows((all) => [...all, { key: Math.max(...all.map((x) => x.key)) + 1, addr: "", weight: "1", state: "active" }])}>
          {t("form.addRow")}
        </button>
        {impact.leavesNoStable ? <ImpactText impact={impact} force={force} onForce={setForce} /> : null}
      </fieldset>
      <SubmitButton pending={pending}>{t("form.create")}</SubmitButton>
    </form>
  );
}
