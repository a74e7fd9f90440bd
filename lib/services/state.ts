// Desired state (database) ↔ gateway state JSON, and how a gateway's live copy differs
// from the desired one. Pure functions: no database, no network.

import type { Algorithm, GatewayNode, GatewayState, GrayRule, HealthCheck, HealthSettings, NodeState } from "@/lib/gateway/types";
import { canonicalAddr, canonicalCidr } from "@/lib/validations/addr";

export type DesiredNode = {
  addr: string;
  weight: number;
  state: NodeState;
  backup: boolean;
  note?: string;
};

/** What the portal wants a service to be: the DB row with its nodes, as plain data. */
export type DesiredService = {
  name: string;
  algorithm: Algorithm;
  gray: GrayRule;
  revision: number;
  nodes: DesiredNode[];
  /** null → the gateway's defaults. */
  health?: HealthSettings | null;
};

/** No static header/cookie matcher: see DEFAULT_GRAY_RULE in lib/validations/service.ts. */
export const DEFAULT_GRAY: GrayRule = {
  header: null,
  cookie: null,
  cidrs: [],
  percent: 0,
  tester: null,
};

function pair(v: unknown): { name: string; value: string } | null {
  if (!v || typeof v !== "object") return null;
  const { name, value } = v as { name?: unknown; value?: unknown };
  if (typeof name !== "string" || !name) return null;
  return { name, value: typeof value === "string" ? value : "" };
}

/** The Service.gray JSON column → a complete GrayRule (missing parts → off). */
export function normalizeGray(json: unknown): GrayRule {
  const g = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  const percent = typeof g.percent === "number" && Number.isFinite(g.percent) ? g.percent : 0;
  const tester = g.tester && typeof g.tester === "object" ? (g.tester as { cookie?: unknown }).cookie : undefined;
  return {
    header: pair(g.header),
    cookie: pair(g.cookie),
    cidrs: Array.isArray(g.cidrs) ? g.cidrs.filter((c): c is string => typeof c === "string") : [],
    percent,
    tester: typeof tester === "string" ? { cookie: tester } : null,
  };
}

export function normalizeHealth(json: unknown): HealthSettings | null {
  if (!json || typeof json !== "object") return null;
  const h = json as Record<string, unknown>;
  if (typeof h.max_fails !== "number" || typeof h.fail_timeout !== "number") return null;
  const out: HealthSettings = { max_fails: h.max_fails, fail_timeout: h.fail_timeout };
  // the active check is stored and pushed as is: the gateway validates it
  if (h.check && typeof h.check === "object") out.check = { ...(h.check as HealthCheck) };
  return out;
}

function checkKey(c: HealthCheck | null | undefined): string {
  return c ? JSON.stringify([c.path, c.interval, c.timeout, c.healthy, c.unhealthy]) : "null";
}

/** The full state the portal PUTs to every gateway for one service. */
export function toGatewayState(s: DesiredService): GatewayState {
  // header/cookie are sent as null when off: an absent one means "use the default".
  const gray: GrayRule = {
    header: s.gray.header ? { ...s.gray.header } : null,
    cookie: s.gray.cookie ? { ...s.gray.cookie } : null,
    cidrs: [...s.gray.cidrs],
    percent: s.gray.percent,
    tester: s.gray.tester ? { ...s.gray.tester } : null,
  };
  const out: GatewayState = {
    name: s.name,
    revision: s.revision,
    algorithm: s.algorithm,
    nodes: s.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
    gray,
  };
  if (s.health) out.health = { ...s.health, ...(s.health.check ? { check: { ...s.health.check } } : {}) };
  return out;
}

/** A gateway's live state → desired state (used to adopt an unmanaged service). */
export function fromGatewayState(g: GatewayState): Omit<DesiredService, "revision"> {
  return {
    name: g.name,
    algorithm: g.algorithm,
    gray: normalizeGray(g.gray),
    health: g.health ?? null,
    nodes: g.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
  };
}

export type DriftKind = "in_sync" | "missing" | "revision" | "content";
export type DriftField = "algorithm" | "nodes" | "gray" | "health";

export type Drift = {
  kind: DriftKind;
  /** Parts whose content differs (empty when only the revision stamp differs). */
  fields: DriftField[];
  liveRevision: number | null;
};

function nodeKey(n: GatewayNode): string {
  return `${canonicalAddr(n.addr) ?? n.addr}|${n.weight}|${n.state}|${n.backup ? 1 : 0}`;
}

function sameNodes(a: readonly GatewayNode[], b: readonly GatewayNode[]): boolean {
  if (a.length !== b.length) return false;
  const ka = a.map(nodeKey).sort();
  const kb = b.map(nodeKey).sort();
  return ka.every((k, i) => k === kb[i]);
}

function grayKey(g: GrayRule): string {
  const n = normalizeGray(g);
  const cidrs = n.cidrs.map((c) => canonicalCidr(c) ?? c).sort();
  return JSON.stringify([n.header, n.cookie, cidrs, n.percent, n.tester?.cookie ?? null]);
}

/**
 * How a gateway's live copy differs from the desired state:
 * - `missing`: the gateway does not have the service;
 * - `revision`: it carries another portal revision (a push did not land, or is older);
 * - `content`: same revision but different content (changed on the gateway directly);
 * - `in_sync`.
 */
export function diffState(desired: DesiredService, live: GatewayState | null | undefined): Drift {
  if (!live) return { kind: "missing", fields: [], liveRevision: null };
  const fields: DriftField[] = [];
  if (live.algorithm !== desired.algorithm) fields.push("algorithm");
  if (!sameNodes(live.nodes, desired.nodes)) fields.push("nodes");
  if (grayKey(live.gray) !== grayKey(desired.gray)) fields.push("gray");
  // Health is compared only when the portal sets it; otherwise the gateway's defaults apply.
  if (
    desired.health &&
    (live.health?.max_fails !== desired.health.max_fails ||
      live.health?.fail_timeout !== desired.health.fail_timeout ||
      checkKey(live.health?.check) !== checkKey(desired.health.check))
  ) {
    fields.push("health");
  }
  const liveRevision = live.revision ?? null;
  if (liveRevision !== desired.revision) return { kind: "revision", fields, liveRevision };
  return { kind: fields.length ? "content" : "in_sync", fields, liveRevision };
}

/** Per-state node counts, plus backups, for overview badges. */
export function countNodes(nodes: readonly { state: NodeState; backup: boolean }[]): Record<NodeState, number> & { backup: number; total: number } {
  const out = { active: 0, gray: 0, draining: 0, down: 0, backup: 0, total: nodes.length };
  for (const n of nodes) {
    out[n.state]++;
    if (n.backup) out.backup++;
  }
  return out;
}
