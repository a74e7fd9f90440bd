"use client";

import { useFormatter, useTimeZone, useTranslations } from "next-intl";
import Link from "@/app/(portal)/_components/link";
import type { ReactNode } from "react";
import type { RollbackReason } from "@/lib/releases/analysis";
import type { AutoRollback, ReleaseLive } from "@/lib/releases/live";
import type { ReleaseDetail, TimelineEntry } from "@/lib/releases/read";
import { rollbackReasonText } from "@/lib/releases/reason-text";
import { useReleaseLive } from "@/lib/swr/use-release-live";
import { DateTime } from "../../../_components/date-time";
import { Badge, PageHeader } from "../../../_components/states";
import { ReleaseControls } from "../../_components/release-controls";
import { SplitView } from "../../_components/split-view";
import { ReleaseStatusBadge } from "../../_components/status-badge";
import { LiveSplit } from "./live-split";
import { PlanTimeline } from "./plan-timeline";
import { ReleaseCharts } from "./release-charts";

/**
 * The release page's body, following the release as it changes: one shared poll every 2 s
 * (state, share, timeline, analysis, split). `tester` (server-rendered tester links) shows
 * while the release is open.
 */
export function ReleaseView({ id, initial, canWrite, tester, approval }: { id: string; initial: ReleaseLive; canWrite: boolean; tester: ReactNode; approval?: ReactNode }) {
  const t = useTranslations("releases");
  const { data, error } = useReleaseLive(id, initial);
  const r = data.release;
  const open = r.status === "OPEN";

  return (
    <div className="space-y-6" data-testid="release-view" data-status={r.status}>
      <PageHeader
        title={t("detail.title", { service: r.service, version: r.version })}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <span data-testid="release-status">
              <ReleaseStatusBadge status={r.status} />
            </span>
            <Link href="/releases" className="underline">
              {t("detail.back")}
            </Link>
            <Link href={`/services/${encodeURIComponent(r.service)}`} className="underline">
              {t("detail.serviceLink", { service: r.service })}
            </Link>
            <span className="text-xs text-slate-400" aria-live="polite" data-testid="live-note">
              {error ? t("live.stale") : open ? t("live.following") : null}
            </span>
          </span>
        }
      />

      {data.autoRollback ? <AutoRollbackBanner rollback={data.autoRollback} /> : null}

      <section className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-4" data-testid="release-facts">
        <Fact label={t("detail.targets")}>
          <span className="font-mono">{r.targets.join(", ")}</span>
        </Fact>
        <Fact label={t("detail.steps")}>
          <PlanSteps r={r} />
        </Fact>
        <Fact label={t("detail.current")}>
          <span data-testid="current-percent">{open ? (r.percent > 0 ? `${r.percent}%` : t("detail.testerOnly")) : "—"}</span>
        </Fact>
        <Fact label={t("list.started")}>
          <DateTime value={r.startedAt} />
          <div className="text-xs text-slate-500">{t("detail.startedBy", { email: r.startedBy })}</div>
          {r.endedAt ? (
            <div className="text-xs text-slate-500">
              {t("detail.endedBy", { email: r.endedBy === "system" ? t("timeline.system") : (r.endedBy ?? "") })} · <DateTime value={r.endedAt} />
            </div>
          ) : null}
          {r.endReason && !data.autoRollback ? (
            <div className="text-xs" data-testid="end-reason">
              {t("detail.endReason", { reason: r.endReason })}
            </div>
          ) : null}
        </Fact>
      </section>
      {r.notes ? (
        <p className="whitespace-pre-wrap text-sm">
          <span className="text-slate-500">{t("detail.notes")}:</span> {r.notes}
        </p>
      ) : null}

      <PlanTimeline r={r} canWrite={canWrite} />

      {approval}

      {open ? tester : null}

      <div className="grid gap-4 lg:grid-cols-2">
        {open ? <LiveSplit data={data.split} /> : null}
        {open ? <Analysis r={r} thresholds={data.thresholds} /> : null}
        {!open && r.split ? (
          <section className="rounded-lg border border-slate-200 bg-white p-4">
            <SplitView split={r.split} />
          </section>
        ) : null}
      </div>

      <ReleaseCharts id={r.id} live={open} thresholds={data.thresholds} />

      {open && canWrite ? (
        // Keyed by the step and revision: a step taken elsewhere (the analyzer, another operator) resets the form.
        <ReleaseControls
          key={`${r.currentStep}:${r.serviceRevision}`}
          id={r.id}
          service={r.service}
          version={r.version}
          currentStep={r.currentStep}
          nextPercent={r.nextPercent}
          revision={r.serviceRevision}
        />
      ) : null}

      <Timeline entries={r.timeline} />
    </div>
  );
}

type StepState = "done" | "skipped" | "current" | "next";

/**
 * The plan with what happened to each step. A step the release went past is done (✓), whether
 * it was taken or a custom share (or the promotion) went past it — the latter marked "skipped";
 * the share the release is at now is the current step, shown between the plan's steps when it
 * is a custom one; the rest are still to come.
 */
function PlanSteps({ r }: { r: ReleaseDetail }) {
  const t = useTranslations("releases.detail");
  const taken = new Set(r.timeline.filter((e) => e.action === "release.step").map((e) => (e.after as { gray?: { percent?: number } } | null)?.gray?.percent));
  const open = r.status === "OPEN";
  const items: { percent: number; state: StepState }[] = [];
  r.steps.forEach((s, i) => {
    const passed = r.status === "PROMOTED" || i <= r.currentStep;
    if (open && i === r.currentStep && s === r.percent) items.push({ percent: s, state: "current" });
    else if (passed) items.push({ percent: s, state: taken.has(s) ? "done" : "skipped" });
    else items.push({ percent: s, state: "next" });
  });
  // A custom share between two planned steps: the current position, after the last step below it.
  if (open && r.percent > 0 && !r.steps.includes(r.percent)) {
    const at = items.findIndex((x) => x.percent > r.percent);
    items.splice(at < 0 ? items.length : at, 0, { percent: r.percent, state: "current" });
  }
  return (
    <span data-testid="plan-steps">
      {items.map(({ percent, state }, i) => (
        <span key={i} data-step={state} title={t(`stepState.${state}`)}>
          {i ? " → " : ""}
          <span className={state === "current" ? "font-semibold text-sky-800" : state === "done" || state === "skipped" ? "text-emerald-700" : ""}>
            {state === "done" || state === "skipped" ? "✓ " : ""}
            {percent}%
          </span>
          {state === "skipped" ? <span className="text-xs text-slate-500"> ({t("stepState.skippedShort")})</span> : null}
        </span>
      ))}
    </span>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <div className="text-xs text-slate-500">{label}</div>
      <div className="mt-1">{children}</div>
    </div>
  );
}

/** "12 Mar 2026, 14:03:07 Europe/Berlin": the user's zone, named, as DateTime shows it. */
function useDateTimeText() {
  const format = useFormatter();
  const timeZone = useTimeZone() ?? "UTC";
  return (value: string) => `${format.dateTime(new Date(value), { dateStyle: "medium", timeStyle: "medium" })} ${timeZone}`;
}

function useRollbackReasonText() {
  const t = useTranslations("releases.autoRollback");
  return (r: RollbackReason) => rollbackReasonText(t, r);
}

function AutoRollbackBanner({ rollback }: { rollback: AutoRollback }) {
  const t = useTranslations("releases.autoRollback");
  const when = useDateTimeText();
  const reasonText = useRollbackReasonText();
  const reasons = rollback.reasons.length ? rollback.reasons.map(reasonText) : rollback.text ? [rollback.text] : [];
  return (
    <div role="alert" data-testid="auto-rollback-banner" className="rounded-lg border border-amber-300 bg-amber-50 px-5 py-4 text-sm text-amber-900">
      <p className="font-semibold">{t("banner", { at: when(rollback.at), because: reasons.join(t("separator")) || t("unknown") })}</p>
    </div>
  );
}

function Analysis({ r, thresholds }: { r: ReleaseDetail; thresholds: ReleaseLive["thresholds"] }) {
  const t = useTranslations("releases.analysis");
  const a = r.analysis;
  const tone = a?.status === "healthy" ? "green" : a?.status === "breach" ? "red" : "neutral";
  return (
    <section className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="analysis">
      <h2 className="font-semibold">{t("title")}</h2>
      {a?.status && r.percent > 0 ? (
        <p>
          <span data-testid="analysis-status" data-status={a.status}>
            <Badge tone={tone}>{t(a.status)}</Badge>
          </span>{" "}
          {a.checkedAt ? (
            <span className="text-slate-500">
              {t("checked")} <DateTime value={a.checkedAt} />
            </span>
          ) : null}
        </p>
      ) : (
        <p className="text-slate-500">{t("idle")}</p>
      )}
      <p className="text-xs text-slate-500">
        {t("thresholdsLive", {
          delta: Math.round(thresholds.errorRateDelta * 1000) / 10,
          min: thresholds.minRequests,
          ratio: thresholds.p95Ratio,
        })}
      </p>
      <p className="text-xs text-slate-500">{r.autoAdvance ? t("autoAdvanceOn") : t("autoAdvanceOff")}</p>
    </section>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const t = useTranslations("releases.timeline");
  const roles = useTranslations("common.roles");
  const reasonText = useRollbackReasonText();
  return (
    <section className="space-y-3">
      <h2 className="text-lg font-semibold">{t("title")}</h2>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-500">{t("empty")}</p>
      ) : (
        <ol className="space-y-2" data-testid="timeline">
          {entries.map((e) => {
            const after = (e.after ?? {}) as { gray?: { percent?: number }; override?: { reason?: string }; automatic?: { reasons?: RollbackReason[] } };
            // next-intl reads "action.release.start" as nested keys (messages: action → release → start).
            const action = t.has(`action.${e.action}`) ? t(`action.${e.action}`) : e.action;
            const role = roles.has(e.actorRole) ? roles(e.actorRole) : e.actorRole;
            const automatic = e.actorRole === "SYSTEM" && after.automatic?.reasons?.length ? after.automatic.reasons.map(reasonText).join("; ") : null;
            return (
              <li key={e.id} className="rounded-lg border border-slate-200 bg-white p-3 text-sm" data-testid="timeline-entry" data-action={e.action}>
                <div className="flex flex-wrap items-center gap-2">
                  <Link href={`/audit/${e.id}`} className="font-medium hover:underline">
                    {action}
                  </Link>
                  {typeof after.gray?.percent === "number" ? <span>· {t("percent", { percent: after.gray.percent })}</span> : null}
                  <span className="text-slate-500">· {e.actorRole === "SYSTEM" ? t("system") : `${e.actorEmail} (${role})`}</span>
                  <span className="text-slate-500">
                    · <DateTime value={e.at} />
                  </span>
                </div>
                {after.override?.reason ? (
                  <p className="text-amber-800">{t("override", { reason: after.override.reason })}</p>
                ) : automatic ? (
                  <p>{t("reason", { reason: automatic })}</p>
                ) : e.reason ? (
                  <p>{t("reason", { reason: e.reason })}</p>
                ) : null}
                <p className="mt-1 flex flex-wrap gap-2 text-xs">
                  {e.outcomes.length === 0 ? <span className="text-slate-500">{t("noGateways")}</span> : null}
                  {e.outcomes.map((o) => (
                    <Badge key={o.gatewayName} tone={o.ok ? "green" : "red"} title={o.ok ? `${o.durationMs} ms` : `${o.code ?? ""} ${o.message}`}>
                      {t("outcome", { gateway: o.gatewayName, result: o.ok ? t("ok") : t("failed") })}
                    </Badge>
                  ))}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
