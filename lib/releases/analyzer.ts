import "server-only";
// The automatic analysis of open releases: every tick, read each service's counters from
// every gateway, compare gray (the targets) with stable over a recent window, roll back on a
// breach (system actor, with the evidence), optionally advance after a healthy dwell time:
// the release's scheduled plan (schedule.ts: per-step dwell, "until approval", "manual"), or
// for a plain steps list with autoAdvance the one dwell from the environment. A paused
// release is never advanced (it is still rolled back on a breach).
import type { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/errors";
import { log } from "@/lib/log";
import { SYSTEM_ACTOR } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { loadDesired } from "@/lib/services/read";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { breachReasons, DEFAULT_THRESHOLDS, describeBreaches, judge, pickBase, windowSides, type ServiceSample, type Thresholds, type Verdict } from "./analysis";
import { autoRollback, promoteRelease, stepRelease } from "./mutations";
import { isTarget, nextPlannedPercent } from "./plan";
import { dwellDue, heldForApproval, storedPlan } from "./schedule";
import type { AnalysisState } from "./read";
import { readServiceSample } from "./stats-source";

export type AnalyzerOptions = {
  thresholds: Thresholds;
  /** The verdict covers at most this much recent traffic. */
  windowMs: number;
  /** Auto-advance (when a release asks for it) after this long healthy at one step. */
  dwellMs: number;
};

export function analyzerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): AnalyzerOptions & { intervalMs: number } {
  const n = (name: string, dflt: number) => {
    const v = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(v) && v >= 0 ? v : dflt;
  };
  return {
    intervalMs: n("GRAYLANE_ANALYZE_INTERVAL_MS", 5000),
    windowMs: n("GRAYLANE_ANALYZE_WINDOW_MS", 60_000),
    dwellMs: n("GRAYLANE_AUTO_ADVANCE_DWELL_MS", 300_000),
    thresholds: {
      errorRateDelta: n("GRAYLANE_ANALYZE_ERROR_DELTA", DEFAULT_THRESHOLDS.errorRateDelta),
      minRequests: n("GRAYLANE_ANALYZE_MIN_REQUESTS", DEFAULT_THRESHOLDS.minRequests),
      p95Ratio: n("GRAYLANE_ANALYZE_P95_RATIO", DEFAULT_THRESHOLDS.p95Ratio),
      p95MinDeltaMs: n("GRAYLANE_ANALYZE_P95_MIN_DELTA_MS", DEFAULT_THRESHOLDS.p95MinDeltaMs),
      minStableRequests: n("GRAYLANE_ANALYZE_MIN_STABLE_REQUESTS", DEFAULT_THRESHOLDS.minStableRequests),
    },
  };
}

export type TickOutcome = {
  releaseId: string;
  service: string;
  action: "none" | "rolled_back" | "advanced" | "skipped" | "awaiting_approval";
  verdict: Verdict | null;
};

type History = { stepKey: string; samples: ServiceSample[] };

export class ReleaseAnalyzer {
  private readonly history = new Map<string, History>();

  constructor(private readonly opts: AnalyzerOptions) {}

  /** One pass over every open release in a traffic step. */
  async tick(db: Db): Promise<TickOutcome[]> {
    const open = await db.release.findMany({ where: { status: "OPEN" }, include: { service: { select: { name: true } } } });
    const out: TickOutcome[] = [];
    const live = new Set(open.map((r) => r.id));
    for (const id of this.history.keys()) if (!live.has(id)) this.history.delete(id);
    if (!open.length) return out;
    const targets = await loadGatewayTargets(db);
    for (const r of open) {
      try {
        out.push(await this.analyzeOne(db, targets, r));
      } catch (e) {
        log.error("release.analyze_failed", { releaseId: r.id, error: e instanceof Error ? e.message : String(e) });
        out.push({ releaseId: r.id, service: r.service.name, action: "skipped", verdict: null });
      }
    }
    return out;
  }

  private async analyzeOne(
    db: Db,
    gateways: Awaited<ReturnType<typeof loadGatewayTargets>>,
    r: { id: string; targets: string[]; steps: number[]; currentStep: number; autoAdvance: boolean; analysis: unknown; plan: unknown; pausedAt: Date | null; service: { name: string } },
  ): Promise<TickOutcome> {
    const service = r.service.name;
    const desired = await loadDesired(db, service);
    const state = (r.analysis ?? {}) as AnalysisState;
    if (!desired || desired.gray.percent <= 0) {
      this.history.delete(r.id);
      return { releaseId: r.id, service, action: "none", verdict: null };
    }
    const stepKey = `${r.currentStep}|${desired.gray.percent}|${state.stepStartedAt ?? ""}`;
    let h = this.history.get(r.id);
    if (!h || h.stepKey !== stepKey) {
      h = { stepKey, samples: [] };
      this.history.set(r.id, h);
    }
    const read = await readServiceSample(gateways, service);
    const now = read.sample.at;
    const base = pickBase(h.samples, now, this.opts.windowMs);
    h.samples = [...h.samples.filter((s) => now - s.at <= this.opts.windowMs), read.sample].slice(-100);
    if (!base) return { releaseId: r.id, service, action: "none", verdict: null };

    const stableAddrs = desired.nodes.filter((n) => n.state === "active" && !isTarget(r.targets, n.addr)).map((n) => n.addr.toLowerCase());
    const sides = windowSides(base, read.sample, (a) => isTarget(r.targets, a), (a) => stableAddrs.includes(a.toLowerCase()));
    const verdict = judge(sides.gray, sides.stable, this.opts.thresholds);

    if (verdict.status === "breach") {
      const why = describeBreaches(verdict.breaches);
      log.warn("release.auto_rollback", { releaseId: r.id, service, why });
      const reasons = breachReasons(verdict.breaches);
      const evidence = {
        reasons: reasons as unknown as Prisma.InputJsonValue,
        breaches: verdict.breaches as unknown as Prisma.InputJsonValue,
        gray: verdict.gray as unknown as Prisma.InputJsonValue,
        stable: verdict.stable as unknown as Prisma.InputJsonValue,
        windowSeconds: (now - base.at) / 1000,
        thresholds: this.opts.thresholds as unknown as Prisma.InputJsonValue,
        percent: desired.gray.percent,
      };
      const done = await autoRollback(db, r.id, why, evidence);
      await db.release.updateMany({
        where: { id: r.id },
        data: { analysis: { ...state, checkedAt: new Date(now).toISOString(), status: "breach", gray: verdict.gray, stable: verdict.stable, unreachable: read.unreachable, rollback: done ? { at: new Date(now).toISOString(), reasons } : undefined } as unknown as Prisma.InputJsonValue },
      });
      this.history.delete(r.id);
      return { releaseId: r.id, service, action: done ? "rolled_back" : "none", verdict };
    }

    const healthySince = verdict.status === "healthy" ? (state.status === "healthy" && state.healthySince ? state.healthySince : new Date(now).toISOString()) : null;
    const next: AnalysisState = {
      ...state,
      checkedAt: new Date(now).toISOString(),
      status: verdict.status,
      gray: verdict.gray,
      stable: verdict.stable,
      healthySince,
      unreachable: read.unreachable,
    };
    await db.release.updateMany({
      where: { id: r.id, status: "OPEN", currentStep: r.currentStep },
      data: { analysis: next as unknown as Prisma.InputJsonValue },
    });

    if (r.pausedAt) return { releaseId: r.id, service, action: "none", verdict };
    const plan = storedPlan(r.plan);
    if (plan) return this.followPlan(db, r, plan, state, verdict, now);

    const stepAt = state.stepStartedAt ? Date.parse(state.stepStartedAt) : NaN;
    if (
      r.autoAdvance &&
      healthySince &&
      now - Date.parse(healthySince) >= this.opts.dwellMs &&
      Number.isFinite(stepAt) &&
      now - stepAt >= this.opts.dwellMs &&
      nextPlannedPercent(r.steps, r.currentStep) !== null
    ) {
      try {
        await stepRelease(db, SYSTEM_ACTOR, { id: r.id, expectedStep: r.currentStep });
        return { releaseId: r.id, service, action: "advanced", verdict };
      } catch (e) {
        // A guard rail or a concurrent step: stay, a person decides.
        log.warn("release.auto_advance_refused", { releaseId: r.id, error: e instanceof AppError ? e.message : String(e) });
      }
    }
    return { releaseId: r.id, service, action: "none", verdict };
  }

  /**
   * A scheduled plan: once the step's dwell is over and the analysis is healthy, take the next
   * step through the same function as a person's click (guards, approvals, notifications). A
   * step "until approval" makes that call file the approval request (requested by the system)
   * and advances once another user approved it (at the plan's last step: the promotion); a
   * "manual" step waits for a person.
   */
  private async followPlan(
    db: Db,
    r: { id: string; currentStep: number; service: { name: string } },
    plan: NonNullable<ReturnType<typeof storedPlan>>,
    state: AnalysisState,
    verdict: Verdict,
    now: number,
  ): Promise<TickOutcome> {
    const service = r.service.name;
    // The plan's last step "until approval": the way out is the promotion, asked for the same way.
    const promote = r.currentStep === plan.length - 1 && heldForApproval(plan, r.currentStep);
    if (verdict.status !== "healthy" || !(promote || dwellDue(plan, r.currentStep, state.stepStartedAt, now))) {
      return { releaseId: r.id, service, action: "none", verdict };
    }
    try {
      if (promote) await promoteRelease(db, SYSTEM_ACTOR, { id: r.id });
      else await stepRelease(db, SYSTEM_ACTOR, { id: r.id, expectedStep: r.currentStep });
      return { releaseId: r.id, service, action: "advanced", verdict };
    } catch (e) {
      if (e instanceof AppError && e.reason === "approval_required") {
        return { releaseId: r.id, service, action: "awaiting_approval", verdict };
      }
      // A guard rail or a concurrent step: stay, a person decides.
      log.warn("release.plan_advance_refused", { releaseId: r.id, error: e instanceof AppError ? e.message : String(e) });
      return { releaseId: r.id, service, action: "none", verdict };
    }
  }
}
