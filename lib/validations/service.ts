// Service input (name, algorithm, gray rule), shared by the forms and the server actions.
// Error messages are keys of the `services` catalog (validation.*).

import { z } from "zod";
import * as contract from "@/lib/contract/schema";
import { canonicalCidr } from "@/lib/contract/address";
import { MAX_CIDRS, MAX_MATCH_RULES } from "@/lib/contract/limits";

// Each field is the gateway contract's rule (lib/contract/schema.ts) after the portal's own
// normalisation: text is trimmed, form numbers are coerced, CIDRs are canonicalised.

export const serviceNameSchema = z
  .string()
  .trim()
  .min(1, { error: "validation.required" })
  // the gateway's rule (shared contract): "." and ".." never match
  .pipe(contract.serviceName);

export const algorithmSchema = contract.algorithm;

export function isValidCidr(v: string): boolean {
  return canonicalCidr(v.trim()) !== null;
}

function matchPair(name: z.ZodString) {
  return z
    .object({
      name: z.string().trim().pipe(name),
      value: z.string().trim().pipe(contract.matchValue),
    })
    .nullable()
    .default(null);
}

/** A traffic share (contract.percent); form text is coerced to a number first. */
export const percentSchema = z.coerce.number({ error: "validation.percent" }).pipe(contract.percent);

/** A request-attribute rule (contract.attributeMatch) with its name and values trimmed. */
export const attributeMatchSchema = z
  .object({
    source: z.string({ error: "validation.matchSource" }),
    name: z.string({ error: "validation.matchName" }).trim(),
    values: z.array(z.string({ error: "validation.matchValue" }).trim()).optional(),
    prefix: z.string({ error: "validation.matchValue" }).trim().optional(),
  })
  .strict()
  .pipe(contract.attributeMatch);

/** percent_key (contract.percentKey) with its name trimmed. */
export const percentKeySchema = z
  .object({ source: z.string({ error: "validation.matchSource" }), name: z.string({ error: "validation.matchName" }).trim() })
  .strict()
  .pipe(contract.percentKey);

export const grayRuleSchema = z
  .object({
    header: matchPair(contract.headerName),
    cookie: matchPair(contract.cookieName),
    cidrs: z
      .array(z.string().trim().pipe(contract.cidr).transform((v) => canonicalCidr(v) ?? v))
      .max(MAX_CIDRS, { error: "validation.cidrCount" })
      .default([]),
    percent: percentSchema.default(0),
    tester: z.object({ cookie: contract.cookieName }).nullable().optional(),
    match: z.array(attributeMatchSchema).max(MAX_MATCH_RULES, { error: "validation.matchCount" }).nullable().optional(),
    percent_key: percentKeySchema.nullable().optional(),
  })
  // no rules and no key are left out, as the gateway stores them: a rule without them is
  // exactly the rule it was before request-attribute rules existed (and an older gateway takes it)
  .transform(({ match, percent_key, ...g }) => ({
    ...g,
    ...(match && match.length > 0 ? { match } : {}),
    ...(percent_key ? { percent_key } : {}),
  }));
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
