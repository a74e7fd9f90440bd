// Service input (name, algorithm, gray rule), shared by the forms and the server actions.
// Error messages are keys of the `services` catalog (validation.*).

import { z } from "zod";
import { MAX_CIDRS, PERCENT_DECIMALS, PERCENT_MAX, PERCENT_MIN, SERVICE_NAME_RE } from "@/lib/contract/limits";
import { ALGORITHMS } from "@/lib/gateways/types";
import { canonicalCidr } from "./addr";

export const serviceNameSchema = z
  .string()
  .trim()
  .min(1, { error: "validation.required" })
  // the gateway's rule (shared contract): "." and ".." never match
  .regex(SERVICE_NAME_RE, { error: "validation.serviceName" });

export const algorithmSchema = z.enum(ALGORITHMS, { error: "validation.algorithm" });

// The gateway's patterns (lua/graylane/validate.lua check_pair).
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const COOKIE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// 1–256 characters, no control characters, no ";".
const VALUE = /^[^\x00-\x1f\x7f;]{1,256}$/;

export function isValidCidr(v: string): boolean {
  return canonicalCidr(v) !== null;
}

function matchPair(name: RegExp) {
  return z
    .object({
      name: z.string().trim().regex(name, { error: "validation.matchName" }),
      value: z.string().trim().regex(VALUE, { error: "validation.matchValue" }),
    })
    .nullable()
    .default(null);
}

/**
 * A traffic share: 0–100 with at most two decimals. More digits would not survive the
 * gateway's JSON encoding (14 significant digits), so the portal would see drift for ever.
 */
export const percentSchema = z.coerce
  .number({ error: "validation.percent" })
  .min(PERCENT_MIN, { error: "validation.percent" })
  .max(PERCENT_MAX, { error: "validation.percent" })
  .refine((v) => Math.round(v * 10 ** PERCENT_DECIMALS) === v * 10 ** PERCENT_DECIMALS, { error: "validation.percent" });

export const grayRuleSchema = z.object({
  header: matchPair(HEADER_NAME),
  cookie: matchPair(COOKIE_NAME),
  cidrs: z
    .array(z.string().trim().refine(isValidCidr, { error: "validation.cidr" }).transform((v) => canonicalCidr(v) ?? v))
    .max(MAX_CIDRS, { error: "validation.cidrCount" })
    .default([]),
  percent: percentSchema.default(0),
  tester: z.object({ cookie: z.string().regex(COOKIE_NAME, { error: "validation.matchName" }) }).nullable().optional(),
});
export type GrayRuleInput = z.output<typeof grayRuleSchema>;

/**
 * A new service's gray rule: nobody reaches gray until a release hands out tester links
 * (signed cookie) or the operator lists CIDRs. A static header/cookie matcher is opt-in:
 * anyone who sends it reaches gray.
 */
export const DEFAULT_GRAY_RULE: GrayRuleInput = { header: null, cookie: null, cidrs: [], percent: 0 };

type StaticMatchers = { header?: { name: string; value: string } | null; cookie?: { name: string; value: string } | null };

/** The rule has a header or cookie matcher that anyone can send. */
export function hasStaticMatcher(gray: StaticMatchers): boolean {
  return Boolean(gray.header || gray.cookie);
}

/** The same rule without its static header/cookie matchers. */
export function withoutStaticMatchers<G extends StaticMatchers>(gray: G): G {
  return { ...gray, header: null, cookie: null };
}

export const updateServiceSchema = z.object({
  service: serviceNameSchema,
  revision: z.coerce.number().int().min(1),
  algorithm: algorithmSchema,
  gray: grayRuleSchema,
});

export const deleteServiceSchema = z.object({
  service: serviceNameSchema,
  revision: z.coerce.number().int().min(1),
});

export const adoptServiceSchema = z.object({
  service: serviceNameSchema,
  gatewayId: z.string().min(1),
});

export const retryPushSchema = z.object({ service: serviceNameSchema });

export type UpdateServiceInput = z.output<typeof updateServiceSchema>;
export type DeleteServiceInput = z.output<typeof deleteServiceSchema>;
export type AdoptServiceInput = z.output<typeof adoptServiceSchema>;
