"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";
import { promoteReleaseAction } from "@/lib/actions/promote-release";
import { rollbackReleaseAction } from "@/lib/actions/rollback-release";
import { stepReleaseAction } from "@/lib/actions/step-release";
import type { StepPreview } from "@/lib/releases/read";
import { ConfirmButton } from "../../_components/dialog";
import { FieldError, Spinner } from "../../_components/form";
import { GuardPanel, type OverrideValue } from "./guard-panel";
import { SplitView } from "./split-view";
import { useReleaseAction, useReleaseFieldText } from "./use-release-action";

type Preview = StepPreview & { percent: number | null };

async function fetchPreview(url: string): Promise<Preview> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`preview: HTTP ${res.status}`);
  return res.json() as Promise<Preview>;
}

/** Next step (with its preview), a custom share, promote and roll back. */
export function ReleaseControls(props: { id: string; service: string; version: string; currentStep: number; nextPercent: number | null; revision: number }) {
  const t = useTranslations("releases");
  const router = useRouter();
  const fieldText = useReleaseFieldText();
  const [custom, setCustom] = useState("");
  const [override, setOverride] = useState<OverrideValue>({ confirm: "", reason: "" });
  const [reason, setReason] = useState("");
  const wanted = custom.trim() === "" ? null : Number(custom);
  const key = `/api/v1/releases/${encodeURIComponent(props.id)}/preview?rev=${props.revision}${wanted !== null && Number.isFinite(wanted) ? `&percent=${wanted}` : ""}`;
  const preview = useSWR<Preview>(key, fetchPreview, { revalidateOnFocus: false });
  const refresh = () => router.refresh();

  const step = useReleaseAction(stepReleaseAction, {
    successMessage: t("controls.stepped", { percent: wanted ?? props.nextPercent ?? 0 }),
    onDone: () => {
      setCustom("");
      setOverride({ confirm: "", reason: "" });
      refresh();
    },
  });
  const promote = useReleaseAction(promoteReleaseAction, { successMessage: t("controls.promoted"), onDone: refresh });
  const rollback = useReleaseAction(rollbackReleaseAction, { successMessage: t("controls.rolledBack"), onDone: refresh });

  const refusals = preview.data?.refusals ?? [];
  const guardErrors = step.fieldErrors.override ?? [];
  const showOverride = refusals.length > 0 || guardErrors.length > 0;
  const target = wanted ?? props.nextPercent;

  const doStep = () =>
    step.run({
      id: props.id,
      percent: wanted ?? undefined,
      expectedStep: props.currentStep,
      override: showOverride && (override.confirm || override.reason) ? override : undefined,
    });

  return (
    <section className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="release-controls">
      <h2 className="font-semibold">{t("controls.title")}</h2>
      <div className="grid gap-4 sm:grid-cols-2" aria-live="polite">
        {preview.data ? (
          <>
            <SplitView split={preview.data.before} title={t("preview.before")} />
            <SplitView split={preview.data.after} title={t("preview.after")} testId="step-preview" />
          </>
        ) : (
          <p className="text-sm text-slate-500">{t("preview.loading")}</p>
        )}
      </div>
      {showOverride ? (
        <GuardPanel
          service={props.service}
          refusals={refusals.length ? refusals : guardErrors.map((k) => ({ code: k.replace(/^guard\./, "") as never, nodes: [], gateways: [] }))}
          value={override}
          onChange={setOverride}
          errors={{ "override.confirm": fieldText(step.fieldErrors["override.confirm"]), "override.reason": fieldText(step.fieldErrors["override.reason"]) }}
        />
      ) : null}
      <div className="flex flex-wrap items-end gap-3">
        {props.nextPercent === null && wanted === null ? <p className="text-sm text-slate-600">{t("controls.noNext")}</p> : null}
        <button type="button" className="btn btn-primary" disabled={step.pending || target === null} onClick={doStep} data-testid="step-button">
          {step.pending ? <Spinner /> : null}
          {target === null ? t("controls.noNext") : t("controls.next", { percent: target })}
        </button>
        <label className="text-sm">
          <span className="block text-slate-700">{t("controls.custom")}</span>
          <input className="input w-28" inputMode="decimal" value={custom} onChange={(e) => setCustom(e.target.value)} name="percent" aria-invalid={step.fieldErrors.percent ? true : undefined} />
        </label>
      </div>
      <FieldError errors={fieldText(step.fieldErrors.percent)} />
      <div className="flex flex-wrap gap-2 border-t border-slate-100 pt-4">
        <ConfirmButton
          className="btn btn-primary"
          label={t("controls.promote")}
          title={t("controls.promoteTitle", { version: props.version })}
          impact={t("controls.promoteImpact")}
          confirmLabel={t("controls.promote")}
          onConfirm={() => promote.run({ id: props.id })}
          disabled={promote.pending}
        />
        <ConfirmButton
          className="btn text-red-700"
          danger
          label={t("controls.rollback")}
          title={t("controls.rollbackTitle", { version: props.version })}
          impact={
            <div className="space-y-3">
              <p>{t("controls.rollbackImpact")}</p>
              <label className="block">
                <span className="block text-slate-700">{t("controls.reason")}</span>
                <input className="input" name="rollbackReason" value={reason} onChange={(e) => setReason(e.target.value)} />
              </label>
            </div>
          }
          confirmLabel={t("controls.rollback")}
          onConfirm={() => rollback.run({ id: props.id, reason })}
          disabled={rollback.pending}
        />
      </div>
    </section>
  );
}
