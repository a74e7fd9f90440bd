import "server-only";
// The release flow. Each step is one audited change of the service's desired state, made
// like every other change (lib/services): one transaction writes the service, its nodes and
// the release row and appends the audit event; after commit the service is pushed to every
// gateway and each gateway's outcome is recorded on that event.
import { randomBytes } from "node:crypto";
import { AppError, isUniqueViolation } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { onReleaseChange } from "@/lib/approvals/release-hook";
import { requireApproval } from "@/lib/approvals/requests";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit/append";
import type { Db, Tx } from "@/lib/db";
import { commitService, conflict, serviceNotFound, type Committed } from "@/lib/services/commit";
import { loadDesired, type StoredService } from "@/lib/services/read";
import { sameAddr } from "@/lib/services/impact";
import type { DesiredService } from "@/lib/services/state";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import type {
  OverrideInput,
  PromoteReleaseInput,
  RenewTesterLinkInput,
  RollbackReleaseInput,
  StartReleaseInput,
  StepReleaseInput,
} from "@/lib/validations/release";
import { enforceGuards, startRefusals, stableHealth, stepRefusals, type GuardRefusal } from "./guards";
import {
  nextPlannedPercent,
  promoteState,
  rollbackState,
  snapshotOf,
  startState,
  stepIndexFor,
  stepState,
  testerCookieName,
  type ReleaseSnapshot,
} from "./plan";
import { heldForApproval, storedPlan } from "./schedule";
import { readServiceSample } from "./stats-source";
import { testerExpiry } from "./tester";

export type ReleaseAuditAction = "release.start" | "release.step" | "release.promote" | "release.rollback" | "release.tester_link";

export type ReleaseResult = Committed & { releaseId: string };

type ReleaseRow = NonNullable<Awaited<ReturnType<typeof findRelease>>>;

function findRelease(db: Db | Tx, id: string) {
  return db.release.findUnique({ where: { id }, include: { service: { select: { name: true } } } });
}

type Json = Prisma.InputJsonValue;

function splitJson(s: DesiredService) {
  return {
    revision: s.revision,
    gray: s.gray as unknown as Json,
    nodes: s.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
  };
}

type Planned = {
  action: ReleaseAuditAction;
  after: DesiredService;
  /** The release row's new fields (ignored for start, which creates the row). */
  release: Prisma.ReleaseUpdateManyMutationInput;
  /** Extra audit detail beside the before/after split. */
  detail: Record<string, Json | null>;
  reason: string | null;
  /** Allow a state with no stable-capable node (rollback restores, an override accepts). */
  force: boolean;
};

/**
 * Runs one release change through the service commit path: the plan's new service state,
 * the release row (created by start, else updated while still OPEN at the expected step)
 * and the audit event in one transaction, then the push.
 */
async function commit(
  db: Db,
  actor: Actor,
  service: string,
  releaseId: string,
  plan: (tx: Tx, before: StoredService) => Promise<Planned & { create?: Prisma.ReleaseUncheckedCreateInput; expectStatusOpen?: { currentStep?: number } }>,
): Promise<ReleaseResult> {
  const committed = await commitService(db, actor, service, null, async (tx, before) => {
    const p = await plan(tx, before);
    return {
      after: p.after,
      force: p.force,
      also: async (tx) => {
        if (p.create) {
          await tx.release.create({ data: p.create });
          return;
        }
        const where: Prisma.ReleaseWhereInput = { id: releaseId, status: "OPEN" };
        if (p.expectStatusOpen?.currentStep !== undefined) where.currentStep = p.expectStatusOpen.currentStep;
        const updated = await tx.release.updateMany({ where, data: p.release });
        if (updated.count !== 1) throw conflict(service, `release ${releaseId} moved`);
      },
      audit: (after) => ({
        action: p.action,
        targetType: "release",
        targetName: releaseId,
        serviceName: service,
        releaseId,
        reason: p.reason,
        before: splitJson(before),
        after: { ...splitJson(after), ...p.detail },
      }),
      afterAudit: (tx, auditEventId) =>
        onReleaseChange(tx, { action: p.action, service, releaseId, actor, reason: p.reason, detail: p.detail, auditEventId }),
    };
  });
  return { releaseId, ...committed };
}

/**
 * A second open release of the service. "Release_one_open" is a partial index from a raw
 * migration that the schema does not know, so besides Prisma's P2002 it can surface as the
 * driver's 23505 or only in the message.
 */
function isOpenReleaseConflict(e: unknown): boolean {
  if (isUniqueViolation(e)) return true;
  if (typeof e !== "object" || e === null) return false;
  const code = (e as { code?: unknown }).code;
  const text = e instanceof Error ? e.message : "";
  return code === "23505" || /Release_one_open|Unique constraint/i.test(text);
}

function overrideDetail(overridden: readonly GuardRefusal[], override: OverrideInput | undefined): Record<string, Json | null> {
  if (!overridden.length || !override) return {};
  return { override: { confirm: override.confirm, reason: override.reason, refusals: overridden as unknown as Json } };
}

async function healthOf(db: Db, desired: DesiredService, targets: readonly string[]) {
  const read = await readServiceSample(await loadGatewayTargets(db), desired.name);
  return stableHealth(desired, targets, read.sample, read.unreachable);
}

export function newReleaseId(): string {
  // cuid-like: time-ordered prefix + randomness; the tail names the tester cookie.
  return `r${Date.now().toString(36)}${randomBytes(8).toString("hex")}`;
}

/** Start: targets → gray, tester cookie on, share 0. Refused while stable nodes are unhealthy. */
export async function startRelease(db: Db, actor: Actor, input: StartReleaseInput): Promise<ReleaseResult> {
  const current = await loadDesired(db, input.service);
  if (!current) throw serviceNotFound(input.service);
  const missing = input.targets.filter((t) => !current.nodes.some((n) => sameAddr(n.addr, t)));
  if (missing.length) {
    throw new AppError("invalid_input", `${input.service}: unknown targets ${missing.join(", ")}`, {
      params: { service: input.service, nodes: missing.join(", ") },
      fieldErrors: { targets: ["validation.unknownTarget"] },
    });
  }
  const open = await db.release.findFirst({ where: { serviceId: current.id, status: "OPEN" }, select: { id: true } });
  if (open) throw openConflict(input.service, open.id);
  const targets = input.targets.map((t) => current.nodes.find((n) => sameAddr(n.addr, t))!.addr);
  const overridden = enforceGuards(input.service, startRefusals(await healthOf(db, current, targets)), input.override);
  // A scheduled plan's percentages are the release's steps.
  const steps = input.plan ? input.plan.map((p) => p.percent) : input.steps;
  const plan = input.plan ? input.plan.map((p) => ({ percent: p.percent, dwell: p.dwell })) : null;
  const id = newReleaseId();
  const cookie = testerCookieName(id);
  const expires = testerExpiry(input.testerHours);
  try {
    return await commit(db, actor, input.service, id, async (_tx, before) => {
      if (before.revision !== current.revision) throw conflict(input.service, "revision moved during start");
      return {
        action: "release.start",
        after: startState(before, targets, cookie, input.keepStaticMatchers),
        release: {},
        create: {
          id,
          serviceId: before.id,
          version: input.version,
          notes: input.notes,
          targets,
          steps,
          ...(plan ? { plan: plan as unknown as Json } : {}),
          currentStep: -1,
          status: "OPEN",
          snapshot: snapshotOf(before) as unknown as Json,
          autoAdvance: input.autoAdvance,
          startedBy: actor.email,
          testerExpires: expires,
        },
        detail: {
          release: {
            version: input.version,
            targets,
            steps,
            ...(plan ? { plan: plan as unknown as Json } : {}),
            testerCookie: cookie,
            testerExpires: expires.toISOString(),
            autoAdvance: input.autoAdvance,
            ...(input.keepStaticMatchers ? { keepStaticMatchers: true } : {}),
          },
          ...overrideDetail(overridden, input.override),
        },
        reason: input.override && overridden.length ? input.override.reason : null,
        force: overridden.some((r) => r.code === "noStableLeft"),
      };
    });
  } catch (e) {
    if (isOpenReleaseConflict(e)) throw openConflict(input.service, null);
    throw e;
  }
}

function openConflict(service: string, id: string | null): AppError {
  return new AppError("conflict", `${service}: release ${id ?? "?"} is already open`, {
    params: { service },
    reason: "release_already_open",
    fieldErrors: { service: ["validation.releaseOpen"] },
  });
}

async function loadOpen(db: Db, id: string): Promise<ReleaseRow> {
  const r = await findRelease(db, id);
  if (!r) throw new AppError("not_found", `release ${id} not found`, { params: { release: id } });
  if (r.status !== "OPEN") {
    throw new AppError("conflict", `release ${id} is ${r.status}`, { params: { service: r.service.name, status: r.status }, reason: "release_not_open" });
  }
  return r;
}

/** A traffic step: the gray share goes to `percent` (default: the next step of the plan). */
export async function stepRelease(db: Db, actor: Actor, input: StepReleaseInput): Promise<ReleaseResult> {
  const r = await loadOpen(db, input.id);
  if (input.expectedStep !== undefined && input.expectedStep !== r.currentStep) throw conflict(r.service.name, "step moved");
  const percent = input.percent ?? nextPlannedPercent(r.steps, r.currentStep);
  if (percent === null) {
    throw new AppError("invalid_input", `release ${r.id}: no further step planned`, { fieldErrors: { percent: ["validation.noNextStep"] } });
  }
  const current = await loadDesired(db, r.service.name);
  if (!current) throw serviceNotFound(r.service.name);
  const overridden = enforceGuards(r.service.name, stepRefusals(await healthOf(db, current, r.targets)), input.override);
  // A plan step "until approval" gates every way out of it (the runner's and a person's).
  await requireApproval(db, actor, r, { kind: "step", percent }, { always: heldForApproval(storedPlan(r.plan), r.currentStep) });
  const stepIndex = input.percent === undefined ? r.currentStep + 1 : stepIndexFor(r.steps, percent);
  const at = new Date();
  return commit(db, actor, r.service.name, r.id, async (_tx, before) => ({
    action: "release.step",
    after: stepState(before, percent),
    release: { currentStep: stepIndex, analysis: { percent, stepStartedAt: at.toISOString() } },
    expectStatusOpen: { currentStep: r.currentStep },
    detail: { release: { percent, step: stepIndex, previousPercent: before.gray.percent }, ...overrideDetail(overridden, input.override) },
    reason: input.override && overridden.length ? input.override.reason : null,
    force: false,
  }));
}

/** Promote: targets join the stable pool, share 0, tester cookie off; the release is done. */
export async function promoteRelease(db: Db, actor: Actor, input: PromoteReleaseInput): Promise<ReleaseResult> {
  const r = await loadOpen(db, input.id);
  await requireApproval(db, actor, r, { kind: "promote" }, { always: heldForApproval(storedPlan(r.plan), r.currentStep) });
  return commit(db, actor, r.service.name, r.id, async (_tx, before) => ({
    action: "release.promote",
    after: promoteState(before, r.targets, r.snapshot as unknown as ReleaseSnapshot),
    release: { status: "PROMOTED", endedBy: actor.email, endedAt: new Date(), endReason: null },
    detail: { release: { version: r.version, targets: r.targets } },
    reason: null,
    force: false,
  }));
}

/** Roll back: targets down, pool and gray rule as before the release. Always allowed. */
export async function rollbackRelease(
  db: Db,
  actor: Actor,
  input: RollbackReleaseInput & { automatic?: Record<string, Json | null> },
): Promise<ReleaseResult> {
  const r = await loadOpen(db, input.id);
  const snapshot = r.snapshot as unknown as ReleaseSnapshot;
  const reason = input.reason || null;
  return commit(db, actor, r.service.name, r.id, async (_tx, before) => ({
    action: "release.rollback",
    after: rollbackState(before, r.targets, snapshot),
    release: { status: "ROLLED_BACK", endedBy: actor.email, endedAt: new Date(), endReason: reason },
    detail: { release: { version: r.version, targets: r.targets }, ...(input.automatic ? { automatic: input.automatic } : {}) },
    reason,
    force: true,
  }));
}

/** A tester cookie name no earlier link of this release used. */
function freshTesterCookieName(current: string | null | undefined): string {
  for (;;) {
    const name = `graylane_t_${randomBytes(5).toString("hex")}`;
    if (name !== current) return name;
  }
}

/**
 * A new tester link: a new expiry (≤ 24 h from now) and a new cookie name in the service's
 * gray rule, pushed to every gateway. Cookies set before carry the old name, which the
 * gateways no longer read, so those browsers get stable traffic again.
 */
export async function renewTesterLink(db: Db, actor: Actor, input: RenewTesterLinkInput): Promise<ReleaseResult & { testerCookie: string; testerExpires: string }> {
  const r = await loadOpen(db, input.id);
  const expires = testerExpiry(input.hours);
  let cookie = "";
  const result = await commit(db, actor, r.service.name, r.id, async (_tx, before) => {
    const previous = before.gray.tester?.cookie ?? null;
    cookie = freshTesterCookieName(previous);
    return {
      action: "release.tester_link",
      after: { ...before, nodes: before.nodes.map((n) => ({ ...n })), gray: { ...before.gray, cidrs: [...before.gray.cidrs], tester: { cookie } } },
      release: { testerExpires: expires },
      detail: { release: { testerCookie: cookie, previousTesterCookie: previous, testerExpires: expires.toISOString() } },
      reason: null,
      force: true, // the nodes do not change
    };
  });
  return { ...result, testerCookie: cookie, testerExpires: expires.toISOString() };
}

/** The analyzer's rollback: the system actor, with the measurements that triggered it. */
export async function autoRollback(db: Db, releaseId: string, reason: string, evidence: Record<string, Json | null>): Promise<ReleaseResult | null> {
  try {
    return await rollbackRelease(db, SYSTEM_ACTOR, { id: releaseId, reason: `automatic: ${reason}`, automatic: evidence });
  } catch (e) {
    // Someone ended it first: nothing to do.
    if (e instanceof AppError && e.code === "conflict") return null;
    log.error("release.auto_rollback_failed", { releaseId, error: e instanceof Error ? e.message : String(e) });
    throw e;
  }
}
