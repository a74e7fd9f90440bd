// Automatic analysis of a release: gray vs stable from the gateways' per-node counters.
// Counters only grow, so a verdict is computed on the difference between two samples
// (the window). Pure functions: no database, no network.

/** One node's counters on one gateway, as read from GET /v1/stats. */
export type NodeCounters = {
  requests: number;
  errors5xx: number;
  latencyCount: number;
  latencySumSec: number;
  /** Upper bounds in seconds, ascending; the last is Infinity. */
  bounds: number[];
  /** Cumulative counts per bound (Prometheus style). */
  cumulative: number[];
  ejected: boolean;
  /** The node's state on that gateway. */
  state?: string;
};

/** gateway name → node addr → counters, for one service. */
export type ServiceSample = { at: number; gateways: Record<string, Record<string, NodeCounters>> };

export type Side = {
  requests: number;
  errors5xx: number;
  /** 0..1, null without requests. */
  errorRate: number | null;
  /** Milliseconds, null without latency samples. */
  p95Ms: number | null;
  latencyCount: number;
};

export type Thresholds = {
  /** Gray 5xx rate may exceed stable's by at most this much (0.01 = 1 point). */
  errorRateDelta: number;
  /** Gray requests needed in the window before the 5xx rate is judged. */
  minRequests: number;
  /** Gray p95 may be at most this multiple of stable's. */
  p95Ratio: number;
  /**
   * …and must also be at least this many ms above it: the histogram's first buckets are
   * 5 and 10 ms wide, so two fast pools can differ by 1.5× on noise alone.
   */
  p95MinDeltaMs: number;
  /** Stable requests needed before its p95 is a usable baseline. */
  minStableRequests: number;
};

export const DEFAULT_THRESHOLDS: Thresholds = {
  errorRateDelta: 0.01,
  minRequests: 100,
  p95Ratio: 1.5,
  p95MinDeltaMs: 25,
  minStableRequests: 20,
};

export type Breach =
  | { kind: "error_rate"; gray: number; stable: number; grayRequests: number; limit: number }
  | { kind: "latency"; grayP95Ms: number; stableP95Ms: number; ratio: number };

export type Verdict = {
  status: "healthy" | "breach" | "insufficient";
  gray: Side;
  stable: Side;
  breaches: Breach[];
};

const ZERO = (c: NodeCounters): NodeCounters => ({ ...c, requests: 0, errors5xx: 0, latencyCount: 0, latencySumSec: 0, cumulative: c.cumulative.map(() => 0) });

/** curr − prev for one node; a counter that went down (gateway restarted) counts from zero. */
export function deltaCounters(prev: NodeCounters | undefined, curr: NodeCounters): NodeCounters {
  const base = prev && prev.requests <= curr.requests && prev.cumulative.length === curr.cumulative.length ? prev : ZERO(curr);
  return {
    requests: curr.requests - base.requests,
    errors5xx: Math.max(0, curr.errors5xx - base.errors5xx),
    latencyCount: Math.max(0, curr.latencyCount - base.latencyCount),
    latencySumSec: Math.max(0, curr.latencySumSec - base.latencySumSec),
    bounds: curr.bounds,
    cumulative: curr.cumulative.map((v, i) => Math.max(0, v - (base.cumulative[i] ?? 0))),
    ejected: curr.ejected,
  };
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside the bucket (as
 * Prometheus' histogram_quantile does); in the +Inf bucket, the last finite bound.
 */
export function quantileMs(bounds: readonly number[], cumulative: readonly number[], q: number): number | null {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < cumulative.length; i++) {
    if (cumulative[i] >= rank) {
      const upper = bounds[i];
      const lower = i === 0 ? 0 : bounds[i - 1];
      if (!Number.isFinite(upper)) return lower * 1000;
      const below = i === 0 ? 0 : cumulative[i - 1];
      const inBucket = cumulative[i] - below;
      const frac = inBucket > 0 ? (rank - below) / inBucket : 1;
      return (lower + (upper - lower) * frac) * 1000;
    }
  }
  return null;
}

function sumSide(nodes: readonly NodeCounters[]): Side {
  let requests = 0;
  let errors5xx = 0;
  let latencyCount = 0;
  let bounds: number[] = [];
  let cumulative: number[] = [];
  for (const n of nodes) {
    requests += n.requests;
    errors5xx += n.errors5xx;
    latencyCount += n.latencyCount;
    if (!cumulative.length) {
      bounds = n.bounds;
      cumulative = n.cumulative.map(() => 0);
    }
    if (n.cumulative.length === cumulative.length) n.cumulative.forEach((v, i) => (cumulative[i] += v));
  }
  return {
    requests,
    errors5xx,
    errorRate: requests > 0 ? errors5xx / requests : null,
    p95Ms: quantileMs(bounds, cumulative, 0.95),
    latencyCount,
  };
}

/** Window between two samples, split into gray (the release's targets) and stable (the rest). */
export function windowSides(
  prev: ServiceSample | null,
  curr: ServiceSample,
  isGray: (addr: string) => boolean,
  isStable: (addr: string) => boolean,
): { gray: Side; stable: Side } {
  const gray: NodeCounters[] = [];
  const stable: NodeCounters[] = [];
  for (const [gw, nodes] of Object.entries(curr.gateways)) {
    for (const [addr, c] of Object.entries(nodes)) {
      const d = deltaCounters(prev?.gateways[gw]?.[addr], c);
      if (isGray(addr)) gray.push(d);
      else if (isStable(addr)) stable.push(d);
    }
  }
  return { gray: sumSide(gray), stable: sumSide(stable) };
}

export function judge(gray: Side, stable: Side, th: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  const breaches: Breach[] = [];
  const enough = gray.requests >= th.minRequests;
  if (enough && gray.errorRate !== null) {
    const stableRate = stable.errorRate ?? 0;
    const limit = stableRate + th.errorRateDelta;
    if (gray.errorRate > limit) {
      breaches.push({ kind: "error_rate", gray: gray.errorRate, stable: stableRate, grayRequests: gray.requests, limit });
    }
  }
  if (
    gray.latencyCount >= th.minRequests &&
    stable.latencyCount >= th.minStableRequests &&
    gray.p95Ms !== null &&
    stable.p95Ms !== null &&
    gray.p95Ms > th.p95Ratio * stable.p95Ms &&
    gray.p95Ms - stable.p95Ms >= th.p95MinDeltaMs
  ) {
    breaches.push({ kind: "latency", grayP95Ms: gray.p95Ms, stableP95Ms: stable.p95Ms, ratio: stable.p95Ms > 0 ? gray.p95Ms / stable.p95Ms : Infinity });
  }
  return { status: breaches.length ? "breach" : enough ? "healthy" : "insufficient", gray, stable, breaches };
}

/**
 * Why an automatic rollback happened, as a message code and its parameters: stored with the
 * rollback (audit event and release analysis) and rendered in the reader's language
 * (messages releases.autoRollback.<code>). Numbers are rounded for display.
 */
export type RollbackReason =
  | { code: "error_rate"; params: { grayPercent: number; stablePercent: number; requests: number; deltaPoints: number } }
  | { code: "latency"; params: { grayP95Ms: number; stableP95Ms: number; ratio: number | null } };

const round1 = (v: number) => Math.round(v * 10) / 10;

export function breachReasons(breaches: readonly Breach[]): RollbackReason[] {
  return breaches.map((b): RollbackReason =>
    b.kind === "error_rate"
      ? { code: "error_rate", params: { grayPercent: round1(b.gray * 100), stablePercent: round1(b.stable * 100), requests: b.grayRequests, deltaPoints: round1((b.limit - b.stable) * 100) } }
      : { code: "latency", params: { grayP95Ms: Math.round(b.grayP95Ms), stableP95Ms: Math.round(b.stableP95Ms), ratio: Number.isFinite(b.ratio) ? Math.round(b.ratio * 100) / 100 : null } },
  );
}

/** Reasons from stored evidence: the codes when present, else derived from the breaches (rollbacks recorded before codes were stored). */
export function reasonsFromEvidence(automatic: unknown): RollbackReason[] {
  const a = automatic as { reasons?: unknown; breaches?: unknown } | null | undefined;
  if (!a || typeof a !== "object") return [];
  if (Array.isArray(a.reasons)) return a.reasons.filter((r): r is RollbackReason => typeof r === "object" && r !== null && ((r as RollbackReason).code === "error_rate" || (r as RollbackReason).code === "latency"));
  if (Array.isArray(a.breaches)) {
    return breachReasons(
      (a.breaches as Breach[]).filter((b) => b && (b.kind === "error_rate" || b.kind === "latency")).map((b) => (b.kind === "latency" && b.ratio === null ? { ...b, ratio: Infinity } : b)),
    );
  }
  return [];
}

/** A one-line, English reason for the audit log and the release's end reason. */
export function describeBreaches(breaches: readonly Breach[]): string {
  return breaches
    .map((b) =>
      b.kind === "error_rate"
        ? `gray 5xx rate ${(b.gray * 100).toFixed(1)}% over ${b.grayRequests} requests > stable ${(b.stable * 100).toFixed(1)}% + ${((b.limit - b.stable) * 100).toFixed(1)} points`
        : `gray p95 ${b.grayP95Ms.toFixed(0)} ms > ${b.ratio === Infinity ? "∞" : b.ratio.toFixed(2)}× stable p95 ${b.stableP95Ms.toFixed(0)} ms`,
    )
    .join("; ");
}

/**
 * Short per-release history of samples: the verdict uses the window from the oldest
 * sample at most `windowMs` old (so a failure shows within a window, not diluted by a
 * long healthy past) — and never from before the current step.
 */
export function pickBase(samples: readonly ServiceSample[], now: number, windowMs: number): ServiceSample | null {
  for (const s of samples) if (now - s.at <= windowMs && s.at < now) return s;
  return null;
}
