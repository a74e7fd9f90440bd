// Approve or reject a pending request. Only a user other than the requester, with
// releases.approve (ADMIN; MANAGER only where the service's policy allows it), decides; both
// decisions are audited on the release timeline with the comment. Approving also makes the
// approved change (the step or promotion) at once, as the approver: the release flow finds the
// approval and consumes it in the change's own transaction.
import { AppError } from "@/lib/errors";
import { can, isRole } from "@/lib/rbac";
import { promoteRelease, stepRelease, type ReleaseResult } from "@/lib/releases/mutations";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { getApprovalPolicy } from "./policy";
import type { DecisionInput } from "./schema";

type Decision = "approve" | "reject";

function sameUser(a: { id: string | null; email: string }, b: { id: string | null; email: string }): boolean {
  if (a.id && b.id) return a.id === b.id;
  return a.email.toLowerCase() === b.email.toLowerCase();
}

/** Who may decide requests of `serviceName`: the role table, then the service's policy for MANAGERs. */
export async function mayApprove(db: Db, actor: Actor, serviceName: string): Promise<boolean> {
  if (!isRole(actor.role) || !can(actor.role, "releases.approve")) return false;
  if (actor.role !== "MANAGER") return true;
  return (await getApprovalPolicy(db, serviceName)).managersMayApprove;
}

async function decide(db: Db, actor: Actor, releaseId: string, input: DecisionInput, decision: Decision) {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`approval:${releaseId}`}))`;
    const req = await tx.approvalRequest.findUnique({ where: { id: input.id } });
    if (!req || req.releaseId !== releaseId) throw new AppError("not_found", `approval ${input.id} not found for release ${releaseId}`, { params: { release: releaseId } });
    if (req.status !== "PENDING") {
      throw new AppError("conflict", `approval ${req.id} is ${req.status}`, { reason: "approval_not_pending", fieldErrors: { _form: ["specific.approvalNotPending"] } });
    }
    if (!(await mayApprove(db, actor, req.serviceName))) {
      throw new AppError("forbidden", `${actor.email} (${actor.role}) may not approve releases of ${req.serviceName}`, {
        reason: "approval_not_allowed",
        params: { service: req.serviceName },
        fieldErrors: { _form: ["specific.approvalNotAllowed"] },
      });
    }
    if (sameUser(actor, { id: req.requestedById, email: req.requestedBy })) {
      throw new AppError("forbidden", `${actor.email} requested approval ${req.id} and may not decide it`, { reason: "self_approval", fieldErrors: { _form: ["specific.selfApproval"] } });
    }
    const status = decision === "approve" ? "APPROVED" : "REJECTED";
    const updated = await tx.approvalRequest.updateMany({
      where: { id: req.id, status: "PENDING" },
      data: { status, decidedBy: actor.email, decidedById: actor.id, decidedAt: new Date(), comment: input.comment || null },
    });
    if (updated.count !== 1) throw new AppError("conflict", `approval ${req.id} moved`, { reason: "approval_not_pending", fieldErrors: { _form: ["specific.approvalNotPending"] } });
    await auditChange(tx, actor, {
      action: decision === "approve" ? "release.approve" : "release.reject",
      targetType: "release",
      targetName: releaseId,
      serviceName: req.serviceName,
      releaseId,
      reason: input.comment || null,
      after: { approval: { id: req.id, kind: req.kind, percent: req.percent, requestedBy: req.requestedBy, comment: input.comment || null } },
    });
    return req;
  });
}

export async function rejectApproval(db: Db, actor: Actor, releaseId: string, input: DecisionInput): Promise<{ id: string; status: "REJECTED"; service: string }> {
  const req = await decide(db, actor, releaseId, input, "reject");
  return { id: req.id, status: "REJECTED", service: req.serviceName };
}

/** Approves, then makes the change. The result names the change's outcome per gateway. */
export async function approveApproval(db: Db, actor: Actor, releaseId: string, input: DecisionInput): Promise<{ id: string; status: "APPROVED"; change: ReleaseResult }> {
  const req = await decide(db, actor, releaseId, input, "approve");
  const change = req.kind === "promote" ? await promoteRelease(db, actor, { id: releaseId }) : await stepRelease(db, actor, { id: releaseId, percent: req.percent! });
  return { id: req.id, status: "APPROVED", change };
}
