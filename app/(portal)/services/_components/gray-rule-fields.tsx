"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { ALGORITHMS, type Algorithm, type GrayRule } from "@/lib/gateways/types";
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

/** The form's fields → the gray rule input the schema validates (empty name = that match off). */
export function grayFromForm(f: FormData): { header: { name: string; value: string } | null; cookie: { name: string; value: string } | null; cidrs: string[]; percent: string } {
  const staticOn = f.get("staticMatchers") === "on";
  const pair = (n: string, v: string) => {
    const name = staticOn ? String(f.get(n) ?? "").trim() : "";
    return name ? { name, value: String(f.get(v) ?? "").trim() } : null;
  };
  return {
    header: pair("headerName", "headerValue"),
    cookie: pair("cookieName", "cookieValue"),
    cidrs: String(f.get("cidrs") ?? "")
      .split(/[\s,]+/)
      .map((c) => c.trim())
      .filter(Boolean),
    percent: String(f.get("percent") ?? "0") || "0",
  };
}
