// Release input, shared by the forms, the server actions and the HTTP API. Messages are
// keys of the `releases` catalog (validation.*); forms translate them next to the field.

import { z } from "zod";
import { addrSchema } from "./node";
import { percentSchema, serviceNameSchema } from "./service";

export { percentSchema };

/** The plan's steps: whole percentages (a release stores them as integers), ascending, above 0. */
export const stepsSchema = z
  .array(percentSchema)
  .max(20, { error: "validation.steps" })
  .refine((s) => s.every((v, i) => Number.isInteger(v) && v > 0 && (i === 0 || v > s[i - 1])), { error: "validation.steps" });

/** "1, 5, 25, 50" → [1, 5, 25, 50] (form input); arrays pass through. */
export const stepsInputSchema = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const t = v.trim();
  return t ? t.split(/[\s,;]+/).filter(Boolean).map(Number) : [];
}, stepsSchema);

/** Longest dwell of a plan step: one week, in minutes. */
export const MAX_DWELL_MINUTES = 7 * 24 * 60;

/** One step of a scheduled plan: hold `percent` for `dwell` minutes, until an approval, or until a person steps. */
export const planStepSchema = z.object(
  {
    percent: percentSchema,
    dwell: z.union(
      [
        z.literal("approval"),
        z.literal("manual"),
        z.coerce.number({ error: "validation.planDwell" }).min(0, { error: "validation.planDwell" }).max(MAX_DWELL_MINUTES, { error: "validation.planDwell" }),
      ],
      { error: "validation.planDwell" },
    ),
  },
  { error: "validation.plan" },
);
export type PlanStepInput = z.output<typeof planStepSchema>;

/** "1:10, 5:30, 25:approval, 50:manual" → [{percent: 1, dwell: 10}, …] (form input); arrays pass through. */
function parsePlanText(v: unknown): unknown {
  if (typeof v !== "string") return v;
  const t = v.trim();
  if (!t) return undefined;
  return t
    .split(/[,;\n]+/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const m = /^(\d+(?:\.\d+)?)\s*%?\s*[:@]\s*(\S+)$/.exec(part);
      if (!m) return { percent: part, dwell: null };
      const dwell = m[2].toLowerCase();
      return { percent: Number(m[1]), dwell: dwell === "approval" || dwell === "manual" ? dwell : dwell.replace(/m(in)?$/, "") };
    });
}

export const planSchema = z.preprocess(
  parsePlanText,
  z
    .array(planStepSchema, { error: "validation.plan" })
    .min(1, { error: "validation.plan" })
    .max(20, { error: "validation.plan" })
    .refine((s) => s.every((v, i) => v.percent > 0 && Number.isInteger(v.percent) && (i === 0 || v.percent > s[i - 1].percent)), { error: "validation.plan" })
    .optional(),
);
export type PlanInput = NonNullable<z.output<typeof planSchema>>;

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
  /** A scheduled plan; when given, its percentages are the release's steps. */
  plan: planSchema,
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

export const pauseReleaseSchema = z.object({ id: releaseIdSchema });
export type PauseReleaseInput = z.output<typeof pauseReleaseSchema>;
