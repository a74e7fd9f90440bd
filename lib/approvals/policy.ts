// Per-service approval policy ("four eyes"): promotion needs approval and/or steps above N %
// need approval; whether MANAGERs may approve (ADMINs always may). Set by ADMINs, audited.
import { AppError } from "@/lib/errors";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db, Tx } from "@/lib/db";
import type { ApprovalPolicyInput } from "./schema";

export type ApprovalPolicyView = {
  serviceName: string;
  promotionNeedsApproval: boolean;
  stepsAbovePercent: number | null;
  managersMayApprove: boolean;
};

export const NO_POLICY = (serviceName: string): ApprovalPolicyView => ({ serviceName, promotionNeedsApproval: false, stepsAbovePercent: null, managersMayApprove: false });

export async function getApprovalPolicy(db: Db | Tx, serviceName: string): Promise<ApprovalPolicyView> {
  const p = await db.approvalPolicy.findUnique({ where: { serviceName } });
  return p ? { serviceName, promotionNeedsApproval: p.promotionNeedsApproval, stepsAbovePercent: p.stepsAbovePercent, managersMayApprove: p.managersMayApprove } : NO_POLICY(serviceName);
}

export async function listApprovalPolicies(db: Db): Promise<ApprovalPolicyView[]> {
  const [services, policies] = await Promise.all([db.service.findMany({ select: { name: true }, orderBy: { name: "asc" } }), db.approvalPolicy.findMany()]);
  return services.map((s) => {
    const p = policies.find((x) => x.serviceName === s.name);
    return p ? { serviceName: s.name, promotionNeedsApproval: p.promotionNeedsApproval, stepsAbovePercent: p.stepsAbovePercent, managersMayApprove: p.managersMayApprove } : NO_POLICY(s.name);
  });
}

/** Does this change need an approval under `p`? */
export function needsApproval(p: ApprovalPolicyView, change: { kind: "step"; percent: number } | { kind: "promote" }): boolean {
  if (change.kind === "promote") return p.promotionNeedsApproval;
  return p.stepsAbovePercent !== null && change.percent > p.stepsAbovePercent;
}

export async function setApprovalPolicy(db: Db, actor: Actor, input: ApprovalPolicyInput): Promise<ApprovalPolicyView> {
  return db.$transaction(async (tx) => {
    const service = await tx.service.findUnique({ where: { name: input.serviceName }, select: { id: true } });
    if (!service) throw new AppError("not_found", `service ${input.serviceName} not found`, { params: { service: input.serviceName } });
    const before = await getApprovalPolicy(tx, input.serviceName);
    const data = { promotionNeedsApproval: input.promotionNeedsApproval, stepsAbovePercent: input.stepsAbovePercent, managersMayApprove: input.managersMayApprove, updatedBy: actor.email };
    await tx.approvalPolicy.upsert({ where: { serviceName: input.serviceName }, create: { serviceName: input.serviceName, ...data }, update: data });
    const after = await getApprovalPolicy(tx, input.serviceName);
    await auditChange(tx, actor, {
      action: "service.approval_policy",
      targetType: "service",
      targetName: input.serviceName,
      serviceName: input.serviceName,
      before,
      after,
    });
    return after;
  });
}
