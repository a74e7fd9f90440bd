"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { ALGORITHMS, type Algorithm, type AttributeMatch, type GrayRule } from "@/lib/gateways/types";
import { MATCH_SOURCES, MAX_MATCH_RULES, PERCENT_KEY_SOURCES } from "@/lib/contract/limits";
import type { FieldErrors } from "@/lib/errors";
import { SelectField, TextField } from "../../_components/form";
import { useFieldErrorText } from "./use-service-action";

/** Algorithm + gray rule inputs, shared by the new-service form and the settings form. */
export function GrayRuleFields({ algorithm, gray, fieldErrors, prefix = "" }: { algorithm: Algorithm; gray: GrayRule; fieldErrors: FieldErrors; prefix?: string }) {
  const t = useTranslations("services");
  const fe = useFieldErrorText();
  const err = (k: string) => fe(fieldErrors[`${prefix}${k}`]);
  const [staticOn, setStaticOn] = useState(Boolean(gray.header || gray.cookie));
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      <SelectField label={t("form.algorithm")} name="algorithm" defaultValue={algorithm} options={ALGORITHMS.map((a) => ({ value: a, label: t(`algorithm.${a}`) }))} errors={fe(fieldErrors.algorithm)} />
      <TextField label={t("form.percent")} name="percent" type="number" min={0} max={100} step="any" defaultValue={gray.percent} errors={err("gray.percent")} hint={t("form.percentHint")} />
      {/* Static matchers are opt-in: whoever sends the header or cookie reaches gray. */}
      <div className="space-y-2 sm:col-span-2">
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="staticMatchers" checked={staticOn} onChange={(e) => setStaticOn(e.target.checked)} data-testid="static-matchers-toggle" />
          {t("form.staticMatchers")}
        </label>
        {staticOn ? (
          <p role="alert" className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="static-matcher-warning">
            {t("form.staticMatchersWarning")}
          </p>
        ) : (
          <p className="text-xs text-slate-500">{t("form.staticMatchersOff")}</p>
        )}
      </div>
      {staticOn ? (
        <>
          <TextField label={t("form.headerName")} name="headerName" defaultValue={gray.header?.name ?? ""} errors={err("gray.header.name")} hint={t("form.emptyDisables")} autoComplete="off" />
          <TextField label={t("form.headerValue")} name="headerValue" defaultValue={gray.header?.value ?? ""} errors={err("gray.header.value")} autoComplete="off" />
          <TextField label={t("form.cookieName")} name="cookieName" defaultValue={gray.cookie?.name ?? ""} errors={err("gray.cookie.name")} hint={t("form.emptyDisables")} autoComplete="off" />
          <TextField label={t("form.cookieValue")} name="cookieValue" defaultValue={gray.cookie?.value ?? ""} errors={err("gray.cookie.value")} autoComplete="off" />
        </>
      ) : null}
      <AttributeRules rules={gray.match ?? []} fieldErrors={fieldErrors} prefix={prefix} />
      <SelectField
        label={t("form.percentKeySource")}
        name="percentKeySource"
        defaultValue={gray.percent_key?.source ?? ""}
        options={[{ value: "", label: t("form.percentKeyIp") }, ...PERCENT_KEY_SOURCES.map((s) => ({ value: s, label: t(`form.source.${s}`) }))]}
        errors={err("gray.percent_key.source")}
        hint={t("form.percentKeyHint")}
        data-testid="percent-key-source"
      />
      <TextField label={t("form.percentKeyName")} name="percentKeyName" defaultValue={gray.percent_key?.name ?? ""} errors={err("gray.percent_key.name")} autoComplete="off" data-testid="percent-key-name" />
      <div className="space-y-1 sm:col-span-2">
        <label className="block text-sm font-medium text-slate-700" htmlFor={`${prefix}cidrs`}>
          {t("form.cidrs")}
        </label>
        <textarea id={`${prefix}cidrs`} name="cidrs" className="input min-h-20 font-mono text-xs" defaultValue={gray.cidrs.join("\n")} />
        <p className="text-xs text-slate-500">{t("form.cidrsHint")}</p>
        {Object.entries(fieldErrors)
          .filter(([k]) => k.startsWith(`${prefix}gray.cidrs`))
          .map(([k, v]) => (
            <p key={k} role="alert" data-testid="field-error" className="text-xs text-red-700">
              {fe(v)?.join(" ")}
            </p>
          ))}
      </div>
    </div>
  );
}

export { grayFromForm } from "@/lib/validations/gray-form";

type Row = { id: number; source: string; name: string; mode: "values" | "prefix"; values: string; prefix: string };
let nextRowId = 0;
const rowOf = (m?: AttributeMatch): Row => ({
  id: nextRowId++,
  source: m?.source ?? "header",
  name: m?.name ?? "",
  mode: m?.prefix !== undefined ? "prefix" : "values",
  values: (m?.values ?? []).join("\n"),
  prefix: m?.prefix ?? "",
});

/** Request-attribute rules (gray.match): a header, cookie or query argument in a list or by prefix. */
function AttributeRules({ rules, fieldErrors, prefix }: { rules: AttributeMatch[]; fieldErrors: FieldErrors; prefix: string }) {
  const t = useTranslations("services");
  const fe = useFieldErrorText();
  const [rows, setRows] = useState<Row[]>(() => rules.map(rowOf));
  const update = (id: number, patch: Partial<Row>) => setRows((rs) => rs.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  return (
    <fieldset className="space-y-2 sm:col-span-2" data-testid="attribute-rules">
      <legend className="text-sm font-medium text-slate-700">{t("form.matchTitle")}</legend>
      <p className="text-xs text-slate-500">{t("form.matchHint")}</p>
      {rows.map((r, i) => (
        <div key={r.id} className="grid gap-2 rounded border border-slate-200 p-2 sm:grid-cols-4" data-testid="attribute-rule">
          <SelectField
            label={t("form.matchSource")}
            name={`match.${i}.source`}
            value={r.source}
            onChange={(e) => update(r.id, { source: e.target.value })}
            options={MATCH_SOURCES.map((s) => ({ value: s, label: t(`form.source.${s}`) }))}
          />
          <TextField label={t("form.matchName")} name={`match.${i}.name`} value={r.name} onChange={(e) => update(r.id, { name: e.target.value })} autoComplete="off" />
          <SelectField
            label={t("form.matchMode")}
            name={`match.${i}.mode`}
            value={r.mode}
            onChange={(e) => update(r.id, { mode: e.target.value === "prefix" ? "prefix" : "values" })}
            options={[
              { value: "values", label: t("form.matchModeValues") },
              { value: "prefix", label: t("form.matchModePrefix") },
            ]}
          />
          <div className="flex items-end">
            <button type="button" className="btn" onClick={() => setRows((rs) => rs.filter((x) => x.id !== r.id))}>
              {t("form.matchRemove", { n: i + 1 })}
            </button>
          </div>
          {r.mode === "values" ? (
            <div className="space-y-1 sm:col-span-4">
              <label className="block text-sm text-slate-700" htmlFor={`${prefix}match-${r.id}-values`}>
                {t("form.matchValues")}
              </label>
              <textarea
                id={`${prefix}match-${r.id}-values`}
                name={`match.${i}.values`}
                className="input min-h-20 font-mono text-xs"
                value={r.values}
                onChange={(e) => update(r.id, { values: e.target.value })}
              />
            </div>
          ) : (
            <div className="sm:col-span-4">
              <TextField label={t("form.matchPrefix")} name={`match.${i}.prefix`} value={r.prefix} onChange={(e) => update(r.id, { prefix: e.target.value })} autoComplete="off" />
            </div>
          )}
        </div>
      ))}
      {Object.entries(fieldErrors)
        .filter(([k]) => k.startsWith(`${prefix}gray.match`))
        .map(([k, v]) => (
          <p key={k} role="alert" data-testid="field-error" className="text-xs text-red-700">
            {t("form.matchErrorAt", { n: Number(/^gray\.match\.(\d+)/.exec(k.slice(prefix.length))?.[1] ?? 0) + 1 })} {fe(v)?.join(" ")}
          </p>
        ))}
      {rows.length < MAX_MATCH_RULES ? (
        <button type="button" className="btn" onClick={() => setRows((rs) => [...rs, rowOf()])} data-testid="add-attribute-rule">
          {t("form.matchAdd")}
        </button>
      ) : null}
    </fieldset>
  );
}
