// The limits, enums and patterns of the gateway contract: the one source. The gateway's copy,
// lua/graylane/contract.lua, is generated from this file (`npm run gen:contract`,
// lib/contract/lua.ts) and lib/contract/contract.test.ts fails when the checked-in file drifts.
// Kept free of zod and server-only imports: forms, client components and the generator read it.
//
// Character classes are written once, in the common subset of JavaScript regex classes and Lua
// pattern sets (letters, digits and the literal characters `.`, `_`, `-` with `-` last), so the
// same text makes the portal's RegExp and the gateway's Lua pattern.

/**
 * Nodes one service may have. Every portal path that adds nodes (add node, create, adopt)
 * refuses more; the gateways refuse more on every write and in their snapshot loader, so a
 * service the portal accepted can always be pushed.
 */
export const MAX_NODES_PER_SERVICE = 512;

/** Service names: `[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}` — never "." or "..", which break URLs. */
export const SERVICE_NAME_MAX = 64;
export const SERVICE_NAME_FIRST_CHARS = "A-Za-z0-9_-";
export const SERVICE_NAME_CHARS = "A-Za-z0-9._-";
export const SERVICE_NAME_RE = new RegExp(`^[${SERVICE_NAME_FIRST_CHARS}][${SERVICE_NAME_CHARS}]{0,${SERVICE_NAME_MAX - 1}}$`);

/** Node weight, an integer. */
export const WEIGHT_MIN = 1;
export const WEIGHT_MAX = 100;

/** Gray traffic share in percent, with at most this many decimals. */
export const PERCENT_MIN = 0;
export const PERCENT_MAX = 100;
export const PERCENT_DECIMALS = 2;

/** CIDR ranges in one gray rule. */
export const MAX_CIDRS = 256;

/** Balancing algorithms and node states, in the order the UI lists them. */
export const ALGORITHMS = ["round_robin", "ip_hash", "least_conn"] as const;
export type Algorithm = (typeof ALGORITHMS)[number];
export const NODE_STATES = ["active", "gray", "draining", "down"] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** Static gray matchers {name, value}: name 1–64 characters of the class, value 1–256 bytes (UTF-8). */
export const MATCH_NAME_MAX = 64;
export const MATCH_VALUE_MAX_BYTES = 256;
export const HEADER_NAME_CHARS = "A-Za-z0-9-";
export const COOKIE_NAME_CHARS = "A-Za-z0-9_.-";
export const HEADER_NAME_RE = new RegExp(`^[${HEADER_NAME_CHARS}]{1,${MATCH_NAME_MAX}}$`);
export const COOKIE_NAME_RE = new RegExp(`^[${COOKIE_NAME_CHARS}]{1,${MATCH_NAME_MAX}}$`);
/** A matcher value: no control characters (C0 and DEL) and no ";". */
export const MATCH_VALUE_RE = /^[^\x00-\x1f\x7f;]+$/;

/**
 * Request-attribute rules (gray.match, gray.percent_key; docs/design.md, "Gray rule"): where a
 * rule reads the request. A query argument's name is 1–64 characters of QUERY_NAME_CHARS.
 */
export const MATCH_SOURCES = ["header", "cookie", "query"] as const;
export type MatchSource = (typeof MATCH_SOURCES)[number];
/** percent_key reads a header or a cookie (a query argument is too easy to change per request). */
export const PERCENT_KEY_SOURCES = ["header", "cookie"] as const;
export const QUERY_NAME_CHARS = "A-Za-z0-9_.-";
export const QUERY_NAME_RE = new RegExp(`^[${QUERY_NAME_CHARS}]{1,${MATCH_NAME_MAX}}$`);
/** Rules in gray.match; values in one rule's list (each a matcher value, MATCH_VALUE_MAX_BYTES). */
export const MAX_MATCH_RULES = 16;
export const MAX_MATCH_VALUES = 1000;

/** managed_by and X-Graylane-Manager: 1–64 characters. */
export const MANAGER_MAX = 64;
export const MANAGER_CHARS = "A-Za-z0-9._-";
export const MANAGER_RE = new RegExp(`^[${MANAGER_CHARS}]{1,${MANAGER_MAX}}$`);

/** The tester cookie's name when a gray rule's `tester` names none. */
export const DEFAULT_TESTER_COOKIE = "graylane_tester";

/** UTF-8 length: the gateway (Lua) counts bytes, JavaScript counts UTF-16 units. */
export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}
