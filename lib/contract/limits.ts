// Limits shared by the portal and the gateways (shared contract #1). The gateway's copy is
// lua/graylane/contract.lua; lib/contract/limits.test.ts fails when the two disagree.
// Kept free of server-only imports: forms and client components read it too.

/**
 * Nodes one service may have. Every portal path that adds nodes (add node, create, adopt)
 * refuses more; the gateways refuse more on every write and in their snapshot loader, so a
 * service the portal accepted can always be pushed.
 */
export const MAX_NODES_PER_SERVICE = 512;

/** Service names: `[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}` — never "." or "..", which break URLs. */
export const SERVICE_NAME_MAX = 64;
export const SERVICE_NAME_RE = new RegExp(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,${SERVICE_NAME_MAX - 1}}$`);

/** Node weight, an integer. */
export const WEIGHT_MIN = 1;
export const WEIGHT_MAX = 100;

/** Gray traffic share in percent, with at most this many decimals. */
export const PERCENT_MIN = 0;
export const PERCENT_MAX = 100;
export const PERCENT_DECIMALS = 2;

/** CIDR ranges in one gray rule. */
export const MAX_CIDRS = 256;
