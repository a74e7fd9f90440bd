// Inputs of the approval policy and of approve/reject (forms, server actions, the API).
import { z } from "zod";

export const approvalPolicySchema = z.object({
  serviceName: z.string().trim().min(1, "validation.required").max(200),
  promotionNeedsApproval: z.boolean(),
  /** Empty/null: no step needs approval. 0 means every step above 0 %. */
  stepsAbovePercent: z.preprocess((v) => (v === "" || v === undefined ? null : typeof v === "string" ? Number(v) : v), z.number().int("validation.approvalPercent").min(0, "validation.approvalPercent").max(99, "validation.approvalPercent").nullable()),
  managersMayApprove: z.boolean(),
});
export type ApprovalPolicyInput = z.output<typeof approvalPolicySchema>;

export const decisionSchema = z.object({
  id: z.string().trim().min(1).max(64),
  comment: z.string().trim().max(1000).default(""),
});
export type DecisionInput = z.output<typeof decisionSchema>;
