// Input of the webhook management (form, server actions): one schema for both.
import { z } from "zod";
import { EVENT_TYPES, WEBHOOK_FORMATS, WEBHOOK_LOCALES } from "./constants";
import { checkWebhookUrl } from "./policy";

const urlField = z
  .string()
  .trim()
  .max(2000)
  .superRefine((v, ctx) => {
    const r = checkWebhookUrl(v);
    if (!r.ok) ctx.addIssue({ code: "custom", message: r.reason === "scheme" ? "validation.webhookScheme" : r.reason === "credentials" ? "validation.webhookCredentials" : "validation.webhookUrl" });
  });

export const webhookFieldsSchema = z.object({
  name: z.string().trim().min(1, "validation.required").max(100),
  format: z.enum(WEBHOOK_FORMATS),
  /** Empty: every service. */
  serviceName: z.string().trim().max(200).optional().transform((v) => (v ? v : null)),
  events: z.array(z.enum(EVENT_TYPES)).min(1, "validation.webhookEvents"),
  locale: z.enum(WEBHOOK_LOCALES).default("en"),
  enabled: z.boolean().default(true),
});

export const createWebhookSchema = webhookFieldsSchema.extend({
  url: urlField,
  /** The Feishu/Lark or DingTalk robot's sign secret, when its "sign" option is on. */
  signSecret: z.string().trim().max(500).optional().transform((v) => (v ? v : null)),
});
export type CreateWebhookInput = z.output<typeof createWebhookSchema>;

/** An edit: the URL and sign secret only change when given (they are never shown again). */
export const updateWebhookSchema = webhookFieldsSchema.extend({
  id: z.string().min(1),
  url: urlField.optional().or(z.literal("").transform(() => undefined)),
  signSecret: z.string().trim().max(500).optional(),
  clearSignSecret: z.boolean().default(false),
});
export type UpdateWebhookInput = z.output<typeof updateWebhookSchema>;

export const webhookIdSchema = z.object({ id: z.string().min(1) });
