// The gateway state and the gateway admin API bodies as zod schemas: the one source of the
// contract between the portal and the gateways (docs/design.md, "Gateway state", "Admin API").
// These are the wire rules, strict like lua/graylane/validate.lua: nothing is trimmed or coerced.
//
// Who normalises: the portal. Its form/action/API schemas (lib/validations/*) trim header,
// cookie, name, address and CIDR text, coerce form numbers, canonicalise addresses and CIDRs,
// and then apply these schemas, so what the portal sends is already in the form the gateway
// stores. A gateway written to directly (curl, the brief's calls) trims nothing: " shop" or
// "1.2.3.4:80 " is refused there. test/vectors/contract.json pins both sides.
//
// Messages are keys of the message catalogs (validation.*), so the portal's forms show them.
// From these schemas: the OpenAPI components (z.toJSONSchema, checked by lib/contract/openapi.test.ts)
// and lua/graylane/contract.lua (limits, enums and patterns; lib/contract/lua.ts).
import { z } from "zod";
import { canonicalAddr, canonicalCidr } from "./address";
import {
  ALGORITHMS,
  COOKIE_NAME_RE,
  HEADER_NAME_RE,
  MANAGER_RE,
  MATCH_VALUE_MAX_BYTES,
  MATCH_SOURCES,
  MATCH_VALUE_RE,
  MAX_CIDRS,
  MAX_MATCH_RULES,
  MAX_MATCH_VALUES,
  PERCENT_KEY_SOURCES,
  QUERY_NAME_RE,
  MAX_NODES_PER_SERVICE,
  NODE_STATES,
  PERCENT_DECIMALS,
  PERCENT_MAX,
  PERCENT_MIN,
  SERVICE_NAME_RE,
  utf8Length,
  WEIGHT_MAX,
  WEIGHT_MIN,
} from "./limits";

export const serviceName = z.string().regex(SERVICE_NAME_RE, { error: "validation.serviceName" });
export const algorithm = z.enum(ALGORITHMS, { error: "validation.algorithm" });
export const nodeState = z.enum(NODE_STATES, { error: "validation.state" });

export const weight = z
  .number({ error: "validation.weight" })
  .int({ error: "validation.weight" })
  .min(WEIGHT_MIN, { error: "validation.weight" })
  .max(WEIGHT_MAX, { error: "validation.weight" });

/** `host:port` with an IPv4 address, a `[IPv6]` address or a hostname; port 1–65535. */
export const address = z.string().refine((a) => canonicalAddr(a) !== null, { error: "validation.addr" });

export const cidr = z.string().refine((c) => canonicalCidr(c) !== null, { error: "validation.cidr" });

/**
 * A traffic share: 0–100 with at most two decimals, checked as the gateway checks it: the
 * number is the one its two-decimal rendering reads back as (1.1 is, although 1.1 × 100 is
 * 110.00000000000001 in binary floating point; 0.001 is not). More digits would not survive
 * the gateway's JSON encoding (14 significant digits), so the portal would see drift for ever.
 */
export const percent = z
  .number({ error: "validation.percent" })
  .min(PERCENT_MIN, { error: "validation.percent" })
  .max(PERCENT_MAX, { error: "validation.percent" })
  .refine((v) => Number(v.toFixed(PERCENT_DECIMALS)) === v, { error: "validation.percent" });

export const headerName = z.string().regex(HEADER_NAME_RE, { error: "validation.matchName" });
export const cookieName = z.string().regex(COOKIE_NAME_RE, { error: "validation.matchName" });
/** 1–256 bytes of UTF-8 (the gateway counts bytes), no control characters, no ";". */
export const matchValue = z
  .string()
  .regex(MATCH_VALUE_RE, { error: "validation.matchValue" })
  .refine((v) => utf8Length(v) <= MATCH_VALUE_MAX_BYTES, { error: "validation.matchValue" });

export const headerMatch = z.object({ name: headerName, value: matchValue }).strict();
export const cookieMatch = z.object({ name: cookieName, value: matchValue }).strict();
/** The signed tester cookie of a release; the gateway fills in its default name when absent. */
export const tester = z.object({ cookie: cookieName.optional() }).strict();

export const queryName = z.string().regex(QUERY_NAME_RE, { error: "validation.matchName" });

/** The name's rule for a source (header names, cookie names, query argument names). */
function nameFits(source: string, name: unknown): boolean {
  const re = source === "header" ? HEADER_NAME_RE : source === "cookie" ? COOKIE_NAME_RE : QUERY_NAME_RE;
  return typeof name === "string" && re.test(name);
}

/**
 * One request-attribute rule: the header, cookie or query argument `name` has one of `values`
 * (exact, a hash lookup on the gateway) or starts with `prefix`. Exactly one of the two.
 */
export const attributeMatch = z
  .object({
    source: z.enum(MATCH_SOURCES, { error: "validation.matchSource" }),
    name: z.string({ error: "validation.matchName" }),
    values: z.array(matchValue).min(1, { error: "validation.matchValues" }).max(MAX_MATCH_VALUES, { error: "validation.matchValues" }).optional(),
    prefix: matchValue.optional(),
  })
  .strict()
  .refine((m) => nameFits(m.source, m.name), { error: "validation.matchName", path: ["name"] })
  .refine((m) => (m.values === undefined) !== (m.prefix === undefined), { error: "validation.matchValuesOrPrefix", path: ["values"] });

/** Whose value keys gray.percent instead of the client's IP (requests without it: the client's IP). */
export const percentKey = z
  .object({ source: z.enum(PERCENT_KEY_SOURCES, { error: "validation.matchSource" }), name: z.string({ error: "validation.matchName" }) })
  .strict()
  .refine((k) => nameFits(k.source, k.name), { error: "validation.matchName", path: ["name"] });

export const attributeMatches = z.array(attributeMatch).max(MAX_MATCH_RULES, { error: "validation.matchCount" });

/** Who reaches the gray pool; a request is gray when any part matches. */
export const grayRule = z
  .object({
    header: headerMatch.nullable().optional(),
    cookie: cookieMatch.nullable().optional(),
    cidrs: z.array(cidr).max(MAX_CIDRS, { error: "validation.cidrCount" }).nullable().optional(),
    percent: percent.optional(),
    tester: tester.nullable().optional(),
    match: attributeMatches.nullable().optional(),
    percent_key: percentKey.nullable().optional(),
  })
  .strict();

const healthCount = z.number().int().min(1).max(100);
/** Active health check: the path goes on the request line as is (no whitespace, no control characters). */
export const healthCheck = z
  .object({
    path: z.string().max(1024).regex(/^\/[^\s\x00-\x1f\x7f]*$/),
    interval: z.number().min(0.5).max(3600),
    timeout: z.number().min(0.05).max(60),
    healthy: healthCount,
    unhealthy: healthCount,
  })
  .partial()
  .strict();

/** Passive health (eject after max_fails failures for fail_timeout seconds; 0 disables) and the active check. */
export const health = z
  .object({
    max_fails: z.number().int().min(0).max(1000),
    fail_timeout: z.number().min(1).max(3600),
    check: healthCheck.nullable(),
  })
  .partial()
  .strict();

/** managed_by and X-Graylane-Manager. */
export const manager = z.string().regex(MANAGER_RE);

/** Fields of a node that GET returns; a PUT or POST may send them back, the gateway ignores them. */
const readOnlyNodeFields = {
  in_flight: z.unknown().optional(),
  ejected_until: z.unknown().optional(),
  health: z.unknown().optional(),
  health_checked_at: z.unknown().optional(),
  health_error: z.unknown().optional(),
};

/** A node in a PUT body and the body of POST /v1/upstreams/{name}/nodes. */
export const nodeBody = z
  .object({ addr: address, weight: weight.optional(), state: nodeState.optional(), backup: z.boolean().optional(), ...readOnlyNodeFields })
  .strict();

/** PATCH /v1/upstreams/{name}/nodes/{addr}. */
export const patchNodeBody = z.object({ weight, state: nodeState, backup: z.boolean(), force: z.boolean() }).partial().strict();

/** PUT /v1/upstreams/{name}: a whole service; omitted parts take the gateway's defaults. */
export const putServiceBody = z
  .object({
    name: serviceName.optional(),
    /** The gateway's own counter: ignored on write. */
    version: z.number().int().nullable().optional(),
    revision: z.number().int().min(0).nullable().optional(),
    algorithm: algorithm.optional(),
    nodes: z.array(nodeBody).max(MAX_NODES_PER_SERVICE, { error: "validation.tooManyNodes" }).nullable().optional(),
    gray: grayRule.optional(),
    health: health.nullable().optional(),
    force: z.boolean().optional(),
    managed_by: manager.nullable().optional(),
  })
  .strict();

// ---- the state as a gateway stores and returns it (defaults filled in, addresses canonical) ----

export const storedNode = z.object({ addr: address, weight, state: nodeState, backup: z.boolean() });

export const storedGrayRule = z.object({
  header: headerMatch.nullable(),
  cookie: cookieMatch.nullable(),
  cidrs: z.array(cidr).max(MAX_CIDRS),
  percent,
  tester: tester.required().nullable().optional(),
  /** Stored only when the rule has some (an empty list is not stored). */
  match: attributeMatches.optional(),
  percent_key: percentKey.optional(),
});

export const storedHealth = z.object({
  max_fails: z.number().int().min(0).max(1000),
  fail_timeout: z.number().min(1).max(3600),
  check: healthCheck.required().nullable().optional(),
});

/** One service document. */
export const gatewayState = z.object({
  name: serviceName,
  version: z.number().int().optional(),
  revision: z.number().int().min(0).nullable().optional(),
  algorithm,
  nodes: z.array(storedNode).max(MAX_NODES_PER_SERVICE),
  gray: storedGrayRule,
  health: storedHealth.nullable().optional(),
  managed_by: manager.nullable().optional(),
});

export type GatewayStateDoc = z.output<typeof gatewayState>;
export type PutServiceBody = z.output<typeof putServiceBody>;
