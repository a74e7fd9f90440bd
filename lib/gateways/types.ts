// Shapes of the gateway admin API (docs/design.md, "Gateway state" and "Admin API").
// Kept free of server-only imports so client components can use the types.

import type { NodeState, Algorithm } from "@/lib/contract/limits";

// The enums are part of the gateway contract (lib/contract/limits.ts).
export { ALGORITHMS, NODE_STATES, type Algorithm, type NodeState } from "@/lib/contract/limits";

export type GatewayNode = {
  addr: string;
  weight: number;
  state: NodeState;
  backup: boolean;
};

/** A request is gray traffic when any part matches; null disables that part. */
export type GrayRule = {
  header: { name: string; value: string } | null;
  cookie: { name: string; value: string } | null;
  cidrs: string[];
  percent: number;
  /** Signed tester cookie (releases); null when off. */
  tester?: { cookie: string } | null;
  /** Request-attribute rules (lib/contract/schema.ts attributeMatch); absent when none. */
  match?: AttributeMatch[];
  /** Whose value keys percent instead of the client IP; absent: the client IP. */
  percent_key?: PercentKey;
};

export type AttributeMatch = { source: "header" | "cookie" | "query"; name: string; values?: string[]; prefix?: string };
export type PercentKey = { source: "header" | "cookie"; name: string };

/** Active health check of a service's nodes (gateway probes); kept as the gateway returns it. */
export type HealthCheck = { path: string; interval: number; timeout: number; healthy: number; unhealthy: number };

/** Passive health: eject a node for fail_timeout seconds after max_fails failures; optional active check. */
export type HealthSettings = { max_fails: number; fail_timeout: number; check?: HealthCheck | null };

/** One service as a gateway stores and returns it. */
export type GatewayState = {
  name: string;
  /** The gateway's own change counter; absent in what the portal sends. */
  version?: number;
  /** Set by the portal when it pushes; the gateway only stores it. */
  revision?: number | null;
  algorithm: Algorithm;
  nodes: GatewayNode[];
  gray: GrayRule;
  /** Omitted → the gateway's defaults. */
  health?: HealthSettings | null;
  /**
   * Who manages the service (shared contract #2): the portal stamps "portal" on every push;
   * the gateway then refuses other writers unless forced. Absent → anyone may write.
   */
  managed_by?: string | null;
};

/**
 * One service in GET /v1/summary: `digest` (MD5 of the document the gateway stores) changes
 * on every write to it, so an unchanged digest means an unchanged document.
 */
export type GatewaySummary = { name: string; revision: number | null; version: number | null; digest: string };

/** Per-node counters from GET /v1/stats. Fields the gateway does not report stay undefined. */
export type NodeStats = {
  requests: number;
  /** Responses by status class: { "2xx": n, "5xx": n, … }. */
  status: Record<string, number>;
  failures: number;
  inFlight: number;
  /** Passive health: true while the gateway skips the node after failures. */
  ejected?: boolean;
  latencyMsAvg?: number;
};

/** service name → node addr → counters. */
export type GatewayStats = Record<string, Record<string, NodeStats>>;

export type GatewayStatus = {
  id?: string;
  nginxVersion?: string;
  workers?: number;
  uptimeSeconds?: number;
  stateFile?: string;
  lastChange?: string | number | null;
  [key: string]: unknown;
};
