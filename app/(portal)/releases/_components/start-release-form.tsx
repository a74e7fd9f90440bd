"use client";

import { useTranslations } from "next-intl";
import Link from "@/app/(portal)/_components/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";
import { startReleaseAction } from "@/lib/actions/start-release";
import type { StepPreview } from "@/lib/releases/read";
import { FieldError, SelectField, SubmitButton, TextField } from "../../_components/form";
import { submitForm } from "../../_components/use-action";
import { GuardPanel, type OverrideValue } from "./guard-panel";
import { SplitView, staticMatcherText } from "./split-view";
import { useReleaseAction, useReleaseFieldText } from "./use-release-action";

export type ServiceOption = {
  name: string;
  nodes: { addr: string; state: string }[];
  openReleaseId: string | null;
  /** The service's static matchers (opt-in): a release leaves them off unless kept. */
  staticMatchers?: { header: { name: string; value: string } | null; cookie: { name: string; value: string } | null };
};

async function fetchJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { cache: "no-store" });
  const body = (await res.json().catch(() => null)) as T | { error?: { message?: string } } | null;
  if (!res.ok) throw new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`);
  return body as T;
}

export function StartReleaseForm({ services, initialService }: { services: ServiceOption[]; initialService: string }) {
  const t = useTranslations("releases");
  const nodeState = useTranslations("services.state");
  const router = useRouter();
  const [service, setService] = useState(initialService);
  const [targets, setTargets] = useState<string[]>([]);
  const [override, setOverride] = useState<OverrideValue>({ confirm: "", reason: "" });
  const [keepStatic, setKeepStatic] = useState(false);
  const tPreview = useTranslations("releases.preview");
  const fieldText = useReleaseFieldText();
  const { run, pending, fieldErrors } = useReleaseAction(startReleaseAction, {
    successMessage: t("new.started"),
    onDone: (r) => router.push(`/releases/${r.releaseId}`),
  });
  const selected = services.find((s) => s.name === service);
  const statics = selected?.staticMatchers && (selected.staticMatchers.header || selected.staticMatchers.cookie) ? selected.staticMatchers : null;
  const keep = Boolean(statics && keepStatic);
  const previewKey =
    selected && targets.length
      ? `/api/v1/releases/start-preview?${new URLSearchParams([["service", service], ...targets.map((a) => ["target", a]), ...(keep ? [["keepStaticMatchers", "1"]] : [])]).toString()}`
      : null;
  const preview = useSWR<StepPreview>(previewKey, fetchJson, { revalidateOnFocus: false });
  const refusals = preview.data?.refusals ?? [];
  const guardErrors = fieldErrors.override ?? [];
  const showOverride = refusals.length > 0 || guardErrors.length > 0;
  const errs = (k: string) => fieldText(fieldErrors[k]);
  // The plan's errors name a step ("plan.2.dwell"): all shown under the one plan field.
  const planKeys = Object.keys(fieldErrors).filter((k) => k === "plan" || k.startsWith("plan."));
  const planErrors = planKeys.length ? fieldText([...new Set(planKeys.flatMap((k) => fieldErrors[k] ?? []))]) : undefined;

  const onSubmit = submitForm((f) => {
    void run({
      service,
      version: String(f.get("version") ?? ""),
      targets,
      notes: String(f.get("notes") ?? ""),
      steps: String(f.get("steps") ?? ""),
      plan: String(f.get("plan") ?? "").trim() || undefined,
      testerHours: Number(f.get("testerHours") || 8),
      autoAdvance: f.get("autoAdvance") === "on",
      keepStaticMatchers: keep,
      override: showOverride && (override.confirm || override.reason) ? override : undefined,
    });
  });

  if (!services.length) return <p className="text-sm text-slate-500">{t("new.noServices")}</p>;

  return (
    <form onSubmit={onSubmit} className="grid gap-6 lg:grid-cols-2" noValidate>
      <div className="space-y-4">
        <SelectField
          label={t("new.service")}
          name="service"
          value={service}
          onChange={(e) => {
            setService(e.target.value);
            setTargets([]);
            setKeepStatic(false);
          }}
          options={[{ value: "", label: t("new.pickService") }, ...services.map((s) => ({ value: s.name, label: s.name }))]}
          errors={errs("service")}
        />
        {selected?.openReleaseId ? (
          <p className="text-sm text-amber-800" role="status">
            {t("new.openRelease")}{" "}
            <Link className="underline" href={`/releases/${selected.openReleaseId}`}>
              {t("new.viewOpen")}
            </Link>
          </p>
        ) : null}
        {selected ? (
          <fieldset className="space-y-1">
            <legend className="text-sm font-medium text-slate-700">{t("new.targets")}</legend>
            <p className="text-xs text-slate-500">{t("new.targetsHint")}</p>
            {selected.nodes.map((n) => (
              <label key={n.addr} className="flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  name="targets"
                  value={n.addr}
                  checked={targets.includes(n.addr)}
                  onChange={(e) => setTargets((cur) => (e.target.checked ? [...cur, n.addr] : cur.filter((a) => a !== n.addr)))}
                />
                <span className="font-mono">{n.addr}</span>
                <span className="text-xs text-slate-500">{nodeState.has(n.state) ? nodeState(n.state) : n.state}</span>
              </label>
            ))}
            <FieldError errors={errs("targets") ?? errs("targets.0")} />
          </fieldset>
        ) : null}
        <TextField label={t("new.version")} name="version" placeholder={t("new.versionPlaceholder")} required errors={errs("version")} />
        <TextField label={t("new.steps")} name="steps" defaultValue="1, 5, 25, 50" hint={t("new.stepsHint")} errors={errs("steps")} />
        <TextField label={t("new.plan")} name="plan" placeholder="1:10, 5:30, 25:approval, 50:manual" hint={t("new.planHint")} errors={planErrors} />
        <TextField label={t("new.testerHours")} name="testerHours" type="number" min={0.25} max={24} step={0.25} defaultValue={8} errors={errs("testerHours")} />
        <div className="space-y-1">
          <label htmlFor="release-notes" className="block text-sm font-medium text-slate-700">
            {t("new.notes")}
          </label>
          <textarea id="release-notes" name="notes" className="input min-h-20" />
          <FieldError errors={errs("notes")} />
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="autoAdvance" />
          {t("new.autoAdvance")}
        </label>
        {statics ? (
          <div className="space-y-1">
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="keepStaticMatchers" checked={keepStatic} onChange={(e) => setKeepStatic(e.target.checked)} data-testid="keep-static-matchers" />
              {t("new.keepStaticMatchers", { matchers: staticMatcherText(statics, tPreview) })}
            </label>
            <p className="text-xs text-slate-500">{t("new.keepStaticMatchersHint")}</p>
          </div>
        ) : null}
      </div>
      <div className="space-y-4">
        <section className="rounded-lg border border-slate-200 bg-white p-4" aria-live="polite" data-testid="start-preview">
          <h2 className="mb-2 font-semibold">{t("preview.title")}</h2>
          {!previewKey ? null : preview.error ? (
            <p className="text-sm text-red-700">{t("preview.unavailable", { message: (preview.error as Error).message })}</p>
          ) : !preview.data ? (
            <p className="text-sm text-slate-500">{t("preview.loading")}</p>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2">
              <SplitView split={preview.data.before} title={t("preview.before")} />
              <SplitView split={preview.data.after} title={t("preview.after")} testId="preview-after" />
              <p className="text-sm sm:col-span-2">{t("preview.availableStable", { count: preview.data.availableStable.length })}</p>
            </div>
          )}
        </section>
        {showOverride ? (
          <GuardPanel
            service={service}
            refusals={refusals.length ? refusals : guardErrors.map((k) => ({ code: k.replace(/^guard\./, "") as never, nodes: [], gateways: [] }))}
            value={override}
            onChange={setOverride}
            errors={{ "override.confirm": fieldText(fieldErrors["override.confirm"]), "override.reason": fieldText(fieldErrors["override.reason"]) }}
          />
        ) : null}
        <SubmitButton pending={pending} disabled={!service || !targets.length}>
          {t("new.submit")}
        </SubmitButton>
      </div>
    </form>
  );
}
