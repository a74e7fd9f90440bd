// Approval requests. A step or promotion that the service's policy puts behind an approval is
// refused (409 approval_required) until a user other than the requester, holding
// releases.approve for this service, approves it; the refusal itself files the request (one
// pending per release, the newest wins), audits it on the release timeline and notifies
// "release.approval_requested". The approved change is consumed in the transaction that makes
// it (settleApprovals, from the release flow's commit hook); ending the release cancels what
// is left. A scheduled plan's step "until approval" asks for a request whatever the policy.
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { emit, newPayload, publicUrl } from "@/lib/notifications/events";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { getApprovalPolicy, needsApproval } from "./policy";

export type ApprovalChange = { kind: "step"; percent: number } | { kind: "promote" };

type ReleaseRef = { id: string; version: string; service: { name: string } };

function approvalRequired(service: string, requestId: string, change: ApprovalChange): AppError {
  return new AppError("conflict", `${service}: ${change.kind} needs approval (request ${requestId})`, {
    params: { service, request: requestId },
    reason: "approval_required",
    fieldErrors: { _form: ["specific.approvalRequired"] },
  });
}

const matches = (change: ApprovalChange) => (change.kind === "step" ? { kind: "step" as const, percent: change.percent } : { kind: "promote" as const });

/**
 * Called by the release flow before a step or promotion: returns when no approval is needed
 * or an approved request for exactly this change exists; otherwise files the request (or
 * keeps the pending one for the same change) and throws approval_required.
 */
export async function requireApproval(db: Db, actor: Actor, r: ReleaseRef, change: ApprovalChange, opts: { always?: boolean } = {}): Promise<void> {
  const policy = await getApprovalPolicy(db, r.service.name);
  // `always`: the release's scheduled plan holds this step "until approval" (lib/releases/schedule.ts).
  if (!opts.always && !needsApproval(policy, change)) return;
  const approved = await db.approvalRequest.findFirst({ where: { releaseId: r.id, status: "APPROVED", ...matches(change) }, select: { id: true } });
  if (approved) return;
  const id = await db.$transaction(async (tx) => {
    // Serialise requests of one release (two operators clicking at once file one request).
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`approval:${r.id}`}))`;
    const same = await tx.approvalRequest.findFirst({ where: { releaseId: r.id, status: "PENDING", ...matches(change) }, select: { id: true } });
    if (same) return same.id;
    await tx.approvalRequest.updateMany({ where: { releaseId: r.id, status: "PENDING" }, data: { status: "CANCELLED", decidedAt: new Date(), comment: "replaced by a newer request" } });
    const req = await tx.approvalRequest.create({
      data: { releaseId: r.id, serviceName: r.service.name, ...matches(change), requestedBy: actor.email, requestedById: actor.id },
    });
    const event = await auditChange(tx, actor, {
      action: "release.approval_request",
      targetType: "release",
      targetName: r.id,
      serviceName: r.service.name,
      releaseId: r.id,
      after: { approval: { id: req.id, kind: change.kind, percent: change.kind === "step" ? change.percent : null } },
    });
    await emit(
      tx,
      newPayload("release.approval_requested", {
        service: r.service.name,
        release: { id: r.id, version: r.version, percent: change.kind === "step" ? change.percent : null, step: null, previousPercent: null, targets: null },
        actor: { email: actor.email, role: actor.role },
        approval: { id: req.id, kind: change.kind, percent: change.kind === "step" ? change.percent : null },
        auditEventId: String(event.id),
        url: publicUrl(`/releases/${encodeURIComponent(r.id)}`),
      }),
    );
    return req.id;
  });
  throw approvalRequired(r.service.name, id, change);
}

/**
 * In the release change's transaction: a step or promotion consumes its approved request;
 * the end of the release (promote, rollback) cancels what is still pending or unused.
 */
export async function settleApprovals(tx: Pick<Prisma.TransactionClient, "approvalRequest">, c: { action: string; releaseId: string; detail: Record<string, unknown> }): Promise<void> {
  const percent = (c.detail.release as { percent?: unknown } | undefined)?.percent;
  if (c.action === "release.step" && typeof percent === "number") {
    await tx.approvalRequest.updateMany({ where: { releaseId: c.releaseId, status: "APPROVED", kind: "step", percent }, data: { status: "USED" } });
  }
  if (c.action === "release.promote") {
    await tx.approvalRequest.updateMany({ where: { releaseId: c.releaseId, status: "APPROVED", kind: "promote" }, data: { status: "USED" } });
  }
  if (c.action === "release.promote" || c.action === "release.rollback") {
    await tx.approvalRequest.updateMany({ where: { releaseId: c.releaseId, status: { in: ["PENDING", "APPROVED"] } }, data: { status: "CANCELLED", decidedAt: new Date() } });
  }
}
