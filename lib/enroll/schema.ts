import { z } from "zod";
import { GATEWAY_NAME_RE, canonicalAdminUrl, isHttpUrl } from "@/lib/validations/gateway";
import { groupSchema } from "@/lib/validations/group";

// The body of POST /api/v1/gateways/enroll, as a gateway's enroll.lua sends it. Messages are
// keys of errors.validation; the API names the failing field.

/** The gateway refuses admin tokens shorter than this (scripts/lib/gateway.ts, enroll.lua). */
export const ENROLL_ADMIN_TOKEN_MIN = 16;

export const enrollSchema = z.object({
  name: z.string().trim().regex(GATEWAY_NAME_RE, { error: "gatewayName" }),
  adminUrl: z
    .string()
    .trim()
    .refine((v) => canonicalAdminUrl(v) !== null, { error: "adminUrlOrigin" })
    .transform((v) => canonicalAdminUrl(v) ?? v),
  adminToken: z.string().min(ENROLL_ADMIN_TOKEN_MIN, { error: "enrollAdminTokenMin" }).max(512, { error: "tokenMax" }),
  group: groupSchema.default("default"),
  proxyUrl: z
    .string()
    .trim()
    .refine((v) => v === "" || isHttpUrl(v), { error: "proxyUrl" })
    .transform((v) => v.replace(/\/+$/, ""))
    .default(""),
});
export type EnrollInput = z.output<typeof enrollSchema>;

export const createEnrollTokenSchema = z.object({
  name: z.string().trim().min(1, { error: "required" }).max(64, { error: "tokenNameTooLong" }),
  /** 0: never expires. */
  expiresInDays: z.coerce.number().int({ error: "expiresInDays" }).min(0, { error: "expiresInDays" }).max(3650, { error: "expiresInDays" }).default(0),
});

export const enrollTokenIdSchema = z.object({ id: z.string().min(1) });
