// Release input, shared by the forms, the server actions and the HTTP API. Messages are
// keys of the `releases` catalog (validation.*); forms translate them next to the field.

import { z } from "zod";
import { addrSchema } from "./node";
import { percentSchema, serviceNameSchema } from "./service";

export { percentSchema };

export const stepsSchema = z
  .array(percentSchema)
  .max(20, { error: "validation.steps" })
  .refine((s) => s.every((v, i) => v > 0 && (i === 0 || v > s[i - 1])), { error: "validation.steps" });

/** "1, 5, 25, 50" → [1, 5, 25, 50] (form input); arrays pass through. */
export const stepsInputSchema = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const t = v.trim();
  return t ? t.split(/[\s,;]+/).filter(Boolean).map(Number) : [];
}, stepsSchema);

/** Typing the service name and giving a reason lets an operator pass a guard rail. */
export const overrideSchema = z.object({
  confirm: z.string().trim().min(1, { error: "validation.overrideConfirm" }),
  reason: z.string().trim().min(3, { error: "validation.overrideReason" }).max(500, { error: "validation.overrideReason" }),
});
export type OverrideInput = z.output<typeof overrideSchema>;

export const startReleaseSchema = z.object({
  service: serviceNameSchema,
  version: z.string().trim().min(1, { error: "validation.version" }).max(100, { error: "validation.version" }),
  targets: z
    .array(addrSchema)
    .min(1, { error: "validation.targets" })
    .max(50, { error: "validation.targets" })
    .refine((t) => new Set(t.map((a) => a.toLowerCase())).size === t.length, { error: "validation.targets" }),
  notes: z.string().trim().max(2000, { error: "validation.notes" }).default(""),
  steps: stepsInputSchema.default([1, 5, 25, 50]),
  testerHours: z.coerce.number({ error: "validation.testerHours" }).min(0.25, { error: "validation.testerHours" }).max(24, { error: "validation.testerHours" }).default(8),
  autoAdvance: z.boolean().default(false),
  /** Keep the service's static header/cookie matchers during the release (anyone who sends them reaches gray). */
  keepStaticMatchers: z.boolean().default(false),
  override: overrideSchema.optional(),
});
export type StartReleaseInput = z.output<typeof startReleaseSchema>;

export const releaseIdSchema = z.string().trim().min(1).max(64);

/** GET …/preview?percent=: a share 0–100 (two decimals); absent → the next planned step. */
export const previewQuerySchema = z.object({ percent: percentSchema.optional() });

export const stepReleaseSchema = z.object({
  id: releaseIdSchema,
  /** Omitted → the next step of the plan. */
  percent: percentSchema.optional(),
  /** The step index the form was rendered at: a second click on a stale page gets a conflict. */
  expectedStep: z.coerce.number().int().min(-1).optional(),
  override: overrideSchema.optional(),
});
export type StepReleaseInput = z.output<typeof stepReleaseSchema>;

export const promoteReleaseSchema = z.object({ id: releaseIdSchema });
export type PromoteReleaseInput = z.output<typeof promoteReleaseSchema>;

export const rollbackReleaseSchema = z.object({
  id: releaseIdSchema,
  reason: z.string().trim().max(500, { error: "validation.reason" }).default(""),
});
export type RollbackReleaseInput = z.output<typeof rollbackReleaseSchema>;

/** A new tester link for an open release: hours from now, within the same bounds as at start. */
export const renewTesterLinkSchema = z.object({ id: releaseIdSchema, hours: startReleaseSchema.shape.testerHours });
export type RenewTesterLinkInput = z.output<typeof renewTesterLinkSchema>;
