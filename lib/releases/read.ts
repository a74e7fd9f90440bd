import "server-only";
// Reads of releases: list, one release with its timeline (audit events with per-gateway
// outcomes), tester links, the preview of a step, and the live split from gateway stats.
import { AppError } from "@/lib/errors";
import type { Db } from "@/lib/db";
import { loadDesired } from "@/lib/services/read";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import type { ReleaseStatus } from "@/lib/generated/prisma/enums";
import { pickBase, windowSides, type RollbackReason, type ServiceSample, type Side } from "./analysis";
import { availableStable, stableHealth, startRefusals, stepRefusals, type GuardRefusal } from "./guards";
import { isTarget, nextPlannedPercent, previewSplit, startState, stepState, testerCookieName, type SplitPreview } from "./plan";
import { analyzerOptionsFromEnv } from "./analyzer";
import { effectivePlan, nextTransition, storedPlan, type NextTransition, type PlanStep } from "./schedule";
import { readServiceSample } from "./stats-source";
import { hasTesterKey, testerKey, testerLinks, type TesterLink } from "./tester";

export type ReleaseSummary = {
  id: string;
  service: string;
  version: string;
  status: ReleaseStatus;
  targets: string[];
  steps: number[];
  currentStep: number;
  startedBy: string;
  startedAt: string;
  endedBy: string | null;
  endedAt: string | null;
  endReason: string | null;
};

type Row = { id: string; version: string; status: ReleaseStatus; targets: string[]; steps: number[]; currentStep: number; startedBy: string; startedAt: Date; endedBy: string | null; endedAt: Date | null; endReason: string | null; service: { name: string } };

/** A release row as lists show it (also the release history, lib/audit/release-history.ts). */
export function releaseSummary(r: Row): ReleaseSummary {
  return {
    id: r.id,
    service: r.service.name,
    version: r.version,
    status: r.status,
    targets: r.targets,
    steps: r.steps,
    currentStep: r.currentStep,
    startedBy: r.startedBy,
    startedAt: r.startedAt.toISOString(),
    endedBy: r.endedBy,
    endedAt: r.endedAt?.toISOString() ?? null,
    endReason: r.endReason,
  };
}

export async function listReleases(db: Db, opts: { service?: string; status?: ReleaseStatus; take?: number } = {}): Promise<ReleaseSummary[]> {
  const rows = await db.release.findMany({
    where: { ...(opts.service ? { service: { name: opts.service } } : {}), ...(opts.status ? { status: opts.status } : {}) },
    include: { service: { select: { name: true } } },
    orderBy: [{ startedAt: "desc" }, { id: "desc" }],
    take: Math.min(opts.take ?? 100, 500),
  });
  return rows.map(releaseSummary);
}

export type TimelineEntry = {
  id: string;
  at: string;
  action: string;
  actorEmail: string;
  actorRole: string;
  reason: string | null;
  /** The gray share and release detail after this event. */
  after: unknown;
  outcomes: { gatewayName: string; ok: boolean; status: number | null; code: string | null; message: string; durationMs: number }[];
};

export type AnalysisState = {
  percent?: number;
  stepStartedAt?: string;
  checkedAt?: string;
  status?: "healthy" | "breach" | "insufficient";
  gray?: Side;
  stable?: Side;
  healthySince?: string | null;
  unreachable?: string[];
  /** Set by the analyzer when it rolled the release back: when, and why as codes (analysis.ts RollbackReason). */
  rollback?: { at: string; reasons: RollbackReason[] };
};

export type ReleaseDetail = ReleaseSummary & {
  notes: string;
  autoAdvance: boolean;
  testerCookie: string;
  testerExpires: string | null;
  /** The service's current gray share. */
  percent: number;
  serviceRevision: number;
  analysis: AnalysisState | null;
  timeline: TimelineEntry[];
  split: SplitPreview | null;
  nextPercent: number | null;
  /** The plan with each step's dwell (a plain steps list reads as today's semantics). */
  plan: PlanStep[];
  /** Started with a scheduled plan (else a plain steps list). */
  scheduled: boolean;
  paused: { at: string; by: string | null } | null;
  /** What moves the release next; `at` (ISO) for a timed dwell. Null once it ended. */
  nextTransition: NextTransition | null;
};

export async function getRelease(db: Db, id: string): Promise<ReleaseDetail | null> {
  const r = await db.release.findUnique({ where: { id }, include: { service: { select: { name: true } } } });
  if (!r) return null;
  const [events, desired] = await Promise.all([
    db.auditEvent.findMany({ where: { releaseId: id }, include: { outcomes: { orderBy: { gatewayName: "asc" } } }, orderBy: { id: "asc" } }),
    loadDesired(db, r.service.name),
  ]);
  return {
    ...releaseSummary(r),
    notes: r.notes,
    autoAdvance: r.autoAdvance,
    // A new tester link renames the cookie: the gray rule holds the current name.
    testerCookie: (r.status === "OPEN" && desired?.gray.tester?.cookie) || testerCookieName(r.id),
    testerExpires: r.testerExpires?.toISOString() ?? null,
    percent: desired?.gray.percent ?? 0,
    serviceRevision: desired?.revision ?? 0,
    analysis: (r.analysis as AnalysisState | null) ?? null,
    timeline: events.map((e) => ({
      id: e.id.toString(),
      at: e.createdAt.toISOString(),
      action: e.action,
      actorEmail: e.actorEmail,
      actorRole: e.actorRole,
      reason: e.reason,
      after: e.after,
      outcomes: e.outcomes.map((o) => ({ gatewayName: o.gatewayName, ok: o.ok, status: o.status, code: o.code, message: o.message, durationMs: o.durationMs })),
    })),
    split: desired ? previewSplit(desired) : null,
    nextPercent: r.status === "OPEN" ? nextPlannedPercent(r.steps, r.currentStep) : null,
    plan: effectivePlan(r, analyzerOptionsFromEnv().dwellMs),
    scheduled: storedPlan(r.plan) !== null,
    paused: r.pausedAt ? { at: r.pausedAt.toISOString(), by: r.pausedBy } : null,
    nextTransition:
      r.status === "OPEN"
        ? nextTransition(effectivePlan(r, analyzerOptionsFromEnv().dwellMs), r.currentStep, (r.analysis as AnalysisState | null)?.stepStartedAt, r.pausedAt !== null)
        : null,
  };
}

/**
 * Tester links (one per gateway) of an open release; none once it ended or expired. Signed for
 * the cookie name in the service's gray rule (the release's current one), which the gateways
 * check, so a link stops working when the release ends or a new link renames the cookie.
 */
export async function getTesterLinks(db: Db, id: string, now = Date.now()): Promise<TesterLink[]> {
  const r = await db.release.findUnique({ where: { id }, include: { service: { select: { name: true } } } });
  if (!r || r.status !== "OPEN" || !r.testerExpires || r.testerExpires.getTime() <= now) return [];
  if (!hasTesterKey()) return []; // no key, no signature: the page explains (TesterLinks testerKeyMissing)
  const [desired, gateways] = await Promise.all([
    loadDesired(db, r.service.name),
    db.gateway.findMany({ select: { name: true, adminUrl: true, proxyUrl: true }, orderBy: { name: "asc" } }),
  ]);
  const cookie = desired?.gray.tester?.cookie;
  if (!cookie) return []; // the gray rule lets no tester in: no link would work
  return testerLinks(testerKey(), r.service.name, r.testerExpires, cookie, gateways);
}

export type StepPreview = {
  service: string;
  revision: number;
  before: SplitPreview;
  after: SplitPreview;
  /** What the guard rails would refuse right now (an override passes them). */
  refusals: GuardRefusal[];
  availableStable: string[];
};

/** The split a start would lead to, and what the guard rails say about it. */
export async function previewStart(db: Db, service: string, targets: readonly string[], keepStaticMatchers = false): Promise<StepPreview> {
  const desired = await loadDesired(db, service);
  if (!desired) throw new AppError("not_found", `service ${service} not found`, { params: { service } });
  const known = desired.nodes.filter((n) => isTarget(targets, n.addr)).map((n) => n.addr);
  const read = await readServiceSample(await loadGatewayTargets(db), service);
  const health = stableHealth(desired, known, read.sample, read.unreachable);
  return {
    service,
    revision: desired.revision,
    before: previewSplit(desired),
    after: previewSplit(startState(desired, known, "graylane_t_preview", keepStaticMatchers)),
    refusals: startRefusals(health),
    availableStable: availableStable(health),
  };
}

/** The split the next step (or `percent`) would lead to. */
export async function previewStep(db: Db, id: string, percent?: number): Promise<StepPreview & { percent: number | null }> {
  const r = await db.release.findUnique({ where: { id }, include: { service: { select: { name: true } } } });
  if (!r) throw new AppError("not_found", `release ${id} not found`, { params: { release: id } });
  const desired = await loadDesired(db, r.service.name);
  if (!desired) throw new AppError("not_found", `service ${r.service.name} not found`, { params: { service: r.service.name } });
  const p = percent ?? nextPlannedPercent(r.steps, r.currentStep);
  const read = await readServiceSample(await loadGatewayTargets(db), desired.name);
  const health = stableHealth(desired, r.targets, read.sample, read.unreachable);
  return {
    service: desired.name,
    revision: desired.revision,
    percent: p,
    before: previewSplit(desired),
    after: previewSplit(p === null ? desired : stepState(desired, p)),
    refusals: stepRefusals(health),
    availableStable: availableStable(health),
  };
}

export type LiveSplit = {
  at: string;
  /** Seconds covered by the numbers (null until two samples exist). */
  windowSeconds: number | null;
  gray: Side | null;
  stable: Side | null;
  /** Share of requests that went to gray in the window, 0..1. */
  grayShare: number | null;
  unreachable: string[];
};

// Process-wide so concurrent viewers share one history per service.
const splitHistory: Map<string, ServiceSample[]> = ((globalThis as unknown as { graylaneSplitHistory?: Map<string, ServiceSample[]> }).graylaneSplitHistory ??= new Map());

/** Where the service's traffic went recently: gray (targets) vs stable, from every gateway's counters. */
export async function getLiveSplit(db: Db, id: string): Promise<LiveSplit> {
  const r = await db.release.findUnique({ where: { id }, include: { service: { select: { name: true } } } });
  if (!r) throw new AppError("not_found", `release ${id} not found`, { params: { release: id } });
  const read = await readServiceSample(await loadGatewayTargets(db), r.service.name);
  const key = r.service.name;
  const history = (splitHistory.get(key) ?? []).filter((s) => read.sample.at - s.at <= 30_000);
  const base = pickBase(history.filter((s) => read.sample.at - s.at >= 1000), read.sample.at, 30_000);
  history.push(read.sample);
  splitHistory.set(key, history.slice(-30));
  if (!base) return { at: new Date(read.sample.at).toISOString(), windowSeconds: null, gray: null, stable: null, grayShare: null, unreachable: read.unreachable };
  const sides = windowSides(base, read.sample, (a) => isTarget(r.targets, a), (a) => !isTarget(r.targets, a));
  const total = sides.gray.requests + sides.stable.requests;
  return {
    at: new Date(read.sample.at).toISOString(),
    windowSeconds: (read.sample.at - base.at) / 1000,
    gray: sides.gray,
    stable: sides.stable,
    grayShare: total > 0 ? sides.gray.requests / total : null,
    unreachable: read.unreachable,
  };
}
