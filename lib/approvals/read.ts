// What an approver decides on (GET /api/v1/releases/{id}/approval, the release page's approval
// panel): the pending (else latest) request, the service's policy, the plan and the live
// comparison of gray and stable (the analyzer's last verdict and the gateways' split).
import type { Db } from "@/lib/db";
import { getLiveSplit, getRelease, type AnalysisState, type LiveSplit } from "@/lib/releases/read";
import { getApprovalPolicy, type ApprovalPolicyView } from "./policy";

export type ApprovalRequestView = {
  id: string;
  kind: "step" | "promote";
  percent: number | null;
  status: string;
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
};

export type ApprovalView = {
  releaseId: string;
  service: string;
  releaseStatus: string;
  policy: ApprovalPolicyView;
  /** The pending request, else the most recent one, else null. */
  approval: ApprovalRequestView | null;
  plan: { steps: number[]; currentStep: number; percent: number; nextPercent: number | null };
  comparison: { analysis: AnalysisState | null; split: LiveSplit | null };
};

export async function getApproval(db: Db, releaseId: string): Promise<ApprovalView | null> {
  const r = await getRelease(db, releaseId);
  if (!r) return null;
  const [policy, pending, latest] = await Promise.all([
    getApprovalPolicy(db, r.service),
    db.approvalRequest.findFirst({ where: { releaseId, status: "PENDING" }, orderBy: { requestedAt: "desc" } }),
    db.approvalRequest.findFirst({ where: { releaseId }, orderBy: { requestedAt: "desc" } }),
  ]);
  const a = pending ?? latest;
  let split: LiveSplit | null = null;
  if (r.status === "OPEN" && a?.status === "PENDING") split = await getLiveSplit(db, releaseId).catch(() => null);
  return {
    releaseId,
    service: r.service,
    releaseStatus: r.status,
    policy,
    approval: a
      ? {
          id: a.id,
          kind: a.kind,
          percent: a.percent,
          status: a.status,
          requestedBy: a.requestedBy,
          requestedAt: a.requestedAt.toISOString(),
          decidedBy: a.decidedBy,
          decidedAt: a.decidedAt?.toISOString() ?? null,
          comment: a.comment,
        }
      : null,
    plan: { steps: r.steps, currentStep: r.currentStep, percent: r.percent, nextPercent: r.nextPercent },
    comparison: { analysis: r.analysis, split },
  };
}
