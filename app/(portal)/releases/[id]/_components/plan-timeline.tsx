"use client";

import { useFormatter, useTimeZone, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { pauseReleaseAction } from "@/lib/actions/pause-release";
import { resumeReleaseAction } from "@/lib/actions/resume-release";
import type { ReleaseDetail } from "@/lib/releases/read";
import type { Dwell } from "@/lib/releases/schedule";
import { DateTime } from "../../../_components/date-time";
import { useAction } from "../../../_components/use-action";

/**
 * The release's plan as a timeline: each step with its dwell, the step the release is at,
 * and what moves it next (a time in the user's zone for a timed dwell). Pause/resume for
 * those who may change releases (the actions check the role again on the server).
 */
export function PlanTimeline({ r, canWrite }: { r: ReleaseDetail; canWrite: boolean }) {
  const t = useTranslations("releases.plan");
  const router = useRouter();
  const pause = useAction(pauseReleaseAction, { successMessage: t("pausedToast"), onSuccess: () => router.refresh() });
  const resume = useAction(resumeReleaseAction, { successMessage: t("resumedToast"), onSuccess: () => router.refresh() });
  const format = useFormatter();
  // The user's zone (i18n/request.ts), named, as DateTime shows dates.
  const timeZone = useTimeZone() ?? "UTC";
  const when = (iso: string) => `${format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "medium" })} ${timeZone}`;
  const open = r.status === "OPEN";
  const dwellText = (d: Dwell) => (d === "approval" ? t("dwellApproval") : d === "manual" ? t("dwellManual") : t("dwellMinutes", { minutes: d }));
  const nextPercent = r.plan[r.currentStep + 1]?.percent;
  const n = r.nextTransition;
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="plan-timeline" data-paused={r.paused ? "1" : "0"}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="font-semibold">{t("title")}</h2>
        {open && canWrite ? (
          r.paused ? (
            <button type="button" className="btn btn-sm" disabled={resume.pending} onClick={() => void resume.run({ id: r.id })} data-testid="plan-resume">
              {t("resume")}
            </button>
          ) : (
            <button type="button" className="btn btn-sm" disabled={pause.pending} onClick={() => void pause.run({ id: r.id })} data-testid="plan-pause">
              {t("pause")}
            </button>
          )
        ) : null}
      </div>
      <ol className="flex flex-wrap items-center gap-2" data-testid="plan-steps-dwell">
        {r.plan.map((s, i) => {
          const state = i < r.currentStep || r.status === "PROMOTED" ? "done" : i === r.currentStep && open ? "current" : "next";
          return (
            <li key={i} data-step={state} className={`rounded border px-2 py-1 ${state === "current" ? "border-sky-400 bg-sky-50 font-semibold text-sky-900" : state === "done" ? "border-emerald-200 text-emerald-800" : "border-slate-200"}`}>
              {state === "done" ? "✓ " : ""}
              {s.percent}% · <span className="font-normal">{dwellText(s.dwell)}</span>
            </li>
          );
        })}
      </ol>
      {open && n ? (
        <p data-testid="plan-next" data-kind={n.kind}>
          <span className="text-slate-500">{t("next")}:</span>{" "}
          {n.kind === "timed" ? (
            <time dateTime={n.at}>{t("nextTimed", { percent: nextPercent ?? 0, at: when(n.at) })}</time>
          ) : n.kind === "approval" ? (
            nextPercent === undefined ? t("nextApprovalPromote") : t("nextApproval", { percent: nextPercent })
          ) : n.kind === "manual" ? (
            t("nextManual", { percent: nextPercent ?? 0 })
          ) : n.kind === "paused" ? (
            t("nextPaused")
          ) : n.kind === "first" ? (
            t("nextFirst")
          ) : (
            t("nextEnd")
          )}
        </p>
      ) : null}
      {open && r.paused ? (
        <p className="text-xs text-amber-800" data-testid="plan-paused">
          {t("paused", { email: r.paused.by ?? "" })} · <DateTime value={r.paused.at} />
        </p>
      ) : null}
      {open ? <p className="text-xs text-slate-500">{t("healthyNote")}</p> : null}
    </section>
  );
}
