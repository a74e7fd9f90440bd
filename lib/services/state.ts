// Desired state (database) ↔ gateway state JSON, and how a gateway's live copy differs
// from the desired one. Pure functions: no database, no network.

import { PORTAL_MANAGER } from "@/lib/contract/manager";
import type { Algorithm, AttributeMatch, GatewayNode, GatewayState, GrayRule, HealthCheck, HealthSettings, NodeState } from "@/lib/gateways/types";
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
  /** Fleet groups whose gateways hold it (lib/fleet/groups.ts); absent: default. */
  groups?: string[];
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

/** Request-attribute rules and percent_key as stored (validated on every write); absent when none. */
function attributes(g: Record<string, unknown>): Pick<GrayRule, "match" | "percent_key"> {
  const out: Pick<GrayRule, "match" | "percent_key"> = {};
  if (Array.isArray(g.match) && g.match.length > 0) out.match = g.match.map((m: AttributeMatch) => ({ ...m, ...(m.values ? { values: [...m.values] } : {}) }));
  const k = g.percent_key as GrayRule["percent_key"] | null | undefined;
  if (k && typeof k === "object") out.percent_key = { source: k.source, name: k.name };
  return out;
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
    ...attributes(g),
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

/** The full state the portal PUTs to every gateway for one service, stamped with its revision. */
export function toGatewayState(s: DesiredService): GatewayState & { revision: number } {
  // header/cookie are sent as null when off: an absent one means "use the default".
  const gray: GrayRule = {
    header: s.gray.header ? { ...s.gray.header } : null,
    cookie: s.gray.cookie ? { ...s.gray.cookie } : null,
    cidrs: [...s.gray.cidrs],
    percent: s.gray.percent,
    tester: s.gray.tester ? { ...s.gray.tester } : null,
    // sent only when set: a service without them PUTs exactly what it did before
    ...attributes(s.gray as unknown as Record<string, unknown>),
  };
  const out: GatewayState & { revision: number } = {
    name: s.name,
    revision: s.revision,
    algorithm: s.algorithm,
    nodes: s.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
    gray,
    managed_by: PORTAL_MANAGER,
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

/**
 * - `missing`: the gateway does not have the service;
 * - `revision`: it carries an older (or no) portal revision: a push did not land there;
 * - `ahead`: it carries a revision the database has not issued (a direct write, or a
 *   database restored from an older backup). The database is the authority: this is drift;
 * - `content`: same revision, different content (changed on the gateway directly, forced);
 * - `in_sync`.
 */
export type GrayPart = "header" | "cookie" | "cidrs" | "percent" | "tester" | "match" | "percent_key";

export type DriftKind = "in_sync" | "missing" | "revision" | "ahead" | "content";
export type DriftField = "algorithm" | "nodes" | "gray" | "health" | "managed_by";

type Scalar = string | number | boolean | null;

/** One difference, portal value first: what the drift view lists per gateway. */
export type DriftChange =
  /** In the portal's node list, not on the gateway. */
  | { kind: "node_missing"; addr: string }
  /** On the gateway only. */
  | { kind: "node_extra"; addr: string }
  | { kind: "node"; addr: string; field: "weight" | "state" | "backup"; desired: Scalar; live: Scalar }
  | { kind: "algorithm"; desired: string; live: string }
  | { kind: "gray"; part: GrayPart; desired: string | number | null; live: string | number | null }
  | { kind: "health"; desired: string; live: string | null }
  | { kind: "managed_by"; desired: string; live: string | null };

export type Drift = {
  kind: DriftKind;
  /** Parts whose content differs (empty when only the revision stamp differs). */
  fields: DriftField[];
  /** Each difference, nodes first; empty when in sync or missing. */
  changes: DriftChange[];
  liveRevision: number | null;
};

const addrKey = (addr: string) => (canonicalAddr(addr) ?? addr).toLowerCase();

function nodeChanges(desired: readonly GatewayNode[], live: readonly GatewayNode[]): DriftChange[] {
  const out: DriftChange[] = [];
  const liveByAddr = new Map(live.map((n) => [addrKey(n.addr), n]));
  const seen = new Set<string>();
  for (const d of desired) {
    const key = addrKey(d.addr);
    seen.add(key);
    const l = liveByAddr.get(key);
    if (!l) {
      out.push({ kind: "node_missing", addr: d.addr });
      continue;
    }
    for (const field of ["weight", "state", "backup"] as const) {
      if (d[field] !== l[field]) out.push({ kind: "node", addr: d.addr, field, desired: d[field], live: l[field] });
    }
  }
  for (const l of live) if (!seen.has(addrKey(l.addr))) out.push({ kind: "node_extra", addr: l.addr });
  return out;
}

const pairText = (p: { name: string; value: string } | null, sep: string) => (p ? `${p.name}${sep}${p.value}` : null);

/** The rules as one line each: "header X-User-Id in [a, b]" / "query uid ^= 9". */
const matchText = (m: AttributeMatch[] | undefined) =>
  m?.length ? m.map((r) => `${r.source} ${r.name} ${r.values ? `in [${r.values.join(", ")}]` : `^= ${r.prefix}`}`).join("; ") : null;

function grayChanges(desired: GrayRule, live: GrayRule): DriftChange[] {
  const d = normalizeGray(desired);
  const l = normalizeGray(live);
  const cidrs = (g: GrayRule) => g.cidrs.map((c) => canonicalCidr(c) ?? c).sort().join(", ") || null;
  const out: DriftChange[] = [];
  const push = (part: GrayPart, a: string | number | null, b: string | number | null) => {
    if (a !== b) out.push({ kind: "gray", part, desired: a, live: b });
  };
  push("header", pairText(d.header, ": "), pairText(l.header, ": "));
  push("cookie", pairText(d.cookie, "="), pairText(l.cookie, "="));
  push("cidrs", cidrs(d), cidrs(l));
  push("percent", d.percent, l.percent);
  push("tester", d.tester?.cookie ?? null, l.tester?.cookie ?? null);
  push("match", matchText(d.match), matchText(l.match));
  push("percent_key", d.percent_key ? `${d.percent_key.source} ${d.percent_key.name}` : null, l.percent_key ? `${l.percent_key.source} ${l.percent_key.name}` : null);
  return out;
}

function healthText(h: HealthSettings | null | undefined): string | null {
  if (!h) return null;
  const check = h.check ? ` check ${h.check.path} every ${h.check.interval}s` : "";
  return `max_fails ${h.max_fails}, fail_timeout ${h.fail_timeout}s${check}`;
}

/**
 * How a gateway's live copy differs from the desired state (see DriftKind), with every
 * difference named. The revision decides the kind before the content does: a gateway ahead
 * of the database is drift whatever it holds.
 */
export function diffState(desired: DesiredService, live: GatewayState | null | undefined): Drift {
  if (!live) return { kind: "missing", fields: [], changes: [], liveRevision: null };
  const fields: DriftField[] = [];
  const changes: DriftChange[] = [];
  const nodes = nodeChanges(desired.nodes, live.nodes);
  if (nodes.length) {
    fields.push("nodes");
    changes.push(...nodes);
  }
  if (live.algorithm !== desired.algorithm) {
    fields.push("algorithm");
    changes.push({ kind: "algorithm", desired: desired.algorithm, live: live.algorithm });
  }
  const gray = grayChanges(desired.gray, live.gray);
  if (gray.length) {
    fields.push("gray");
    changes.push(...gray);
  }
  // Health is compared only when the portal sets it; otherwise the gateway's defaults apply.
  if (
    desired.health &&
    (live.health?.max_fails !== desired.health.max_fails ||
      live.health?.fail_timeout !== desired.health.fail_timeout ||
      checkKey(live.health?.check) !== checkKey(desired.health.check))
  ) {
    fields.push("health");
    changes.push({ kind: "health", desired: healthText(desired.health)!, live: healthText(live.health) });
  }
  // Unmarked, the gateway would let anyone change the service behind the portal's back.
  if ((live.managed_by ?? null) !== PORTAL_MANAGER) {
    fields.push("managed_by");
    changes.push({ kind: "managed_by", desired: PORTAL_MANAGER, live: live.managed_by ?? null });
  }
  const liveRevision = live.revision ?? null;
  if (liveRevision !== null && liveRevision > desired.revision) return { kind: "ahead", fields, changes, liveRevision };
  if (liveRevision !== desired.revision) return { kind: "revision", fields, changes, liveRevision };
  return { kind: fields.length ? "content" : "in_sync", fields, changes, liveRevision };
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
