// Gateway counters → rates. The gateways report monotonically growing counters; a rate
// needs two samples, so callers keep a short history (see live.ts) and pass the oldest
// usable sample as `prev`. Pure functions.

import type { GatewayStats, NodeStats } from "@/lib/gateways/types";

export type Sample = { at: number; stats: GatewayStats };

export type NodeRates = {
  /** Requests per second; null until two samples exist. */
  rps: number | null;
  /** Share of responses that were 5xx over the window (0..1); null when no requests. */
  errorRate: number | null;
  inFlight: number;
  requests: number;
  ejected: boolean | null;
};

export type ServiceRates = { rps: number | null; errorRate: number | null; inFlight: number; nodes: Record<string, NodeRates> };

function fiveXX(s: NodeStats | undefined): number {
  return s?.status["5xx"] ?? 0;
}

/** Rates for one gateway between two samples. A counter that went down (gateway restart) has no rate. */
export function rates(prev: Sample | null, curr: Sample): Record<string, ServiceRates> {
  const out: Record<string, ServiceRates> = {};
  const dt = prev ? (curr.at - prev.at) / 1000 : 0;
  for (const [service, nodes] of Object.entries(curr.stats)) {
    const svc: ServiceRates = { rps: null, errorRate: null, inFlight: 0, nodes: {} };
    let svcReq = 0;
    let svc5xx = 0;
    let svcHasRate = false;
    for (const [addr, s] of Object.entries(nodes)) {
      const p = prev?.stats[service]?.[addr];
      let rps: number | null = null;
      let errorRate: number | null = null;
      if (prev && dt > 0) {
        const dReq = s.requests - (p?.requests ?? 0);
        const d5 = fiveXX(s) - fiveXX(p);
        if (dReq >= 0 && d5 >= 0) {
          rps = dReq / dt;
          errorRate = dReq > 0 ? Math.min(1, d5 / dReq) : null;
          svcReq += dReq;
          svc5xx += d5;
          svcHasRate = true;
        }
      }
      svc.inFlight += s.inFlight;
      svc.nodes[addr] = { rps, errorRate, inFlight: s.inFlight, requests: s.requests, ejected: s.ejected ?? null };
    }
    if (svcHasRate) {
      svc.rps = svcReq / dt;
      svc.errorRate = svcReq > 0 ? Math.min(1, svc5xx / svcReq) : null;
    }
    out[service] = svc;
  }
  return out;
}

function addNullable(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : a + b;
}

/**
 * Sums per-gateway rates into one view: requests/s add up; the 5xx rate is weighted
 * by each gateway's request rate; a node counts as ejected when any gateway ejects it.
 */
export function mergeRates(perGateway: readonly Record<string, ServiceRates>[]): Record<string, ServiceRates> {
  const out: Record<string, ServiceRates> = {};
  const errWeight: Record<string, { e: number; r: number }> = {};
  for (const g of perGateway) {
    for (const [service, s] of Object.entries(g)) {
      const o = (out[service] ??= { rps: null, errorRate: null, inFlight: 0, nodes: {} });
      o.rps = addNullable(o.rps, s.rps);
      o.inFlight += s.inFlight;
      for (const [addr, n] of Object.entries(s.nodes)) {
        const on = (o.nodes[addr] ??= { rps: null, errorRate: null, inFlight: 0, requests: 0, ejected: null });
        on.rps = addNullable(on.rps, n.rps);
        on.inFlight += n.inFlight;
        on.requests += n.requests;
        on.ejected = n.ejected === null ? on.ejected : Boolean(on.ejected) || n.ejected;
        if (n.rps !== null && n.errorRate !== null) {
          const w = (errWeight[`${service}\0${addr}`] ??= { e: 0, r: 0 });
          w.e += n.errorRate * n.rps;
          w.r += n.rps;
        }
      }
      if (s.rps !== null && s.errorRate !== null) {
        const w = (errWeight[service] ??= { e: 0, r: 0 });
        w.e += s.errorRate * s.rps;
        w.r += s.rps;
      }
    }
  }
  for (const [service, s] of Object.entries(out)) {
    const w = errWeight[service];
    s.errorRate = w && w.r > 0 ? w.e / w.r : null;
    for (const [addr, n] of Object.entries(s.nodes)) {
      const nw = errWeight[`${service}\0${addr}`];
      n.errorRate = nw && nw.r > 0 ? nw.e / nw.r : null;
    }
  }
  return out;
}

/**
 * A short per-gateway history of samples, so every poller gets a rate over a window of
 * at least `minWindowMs` even when several clients poll at once.
 */
export class SampleHistory {
  private readonly samples = new Map<string, Sample[]>();
  constructor(
    private readonly minWindowMs = 1000,
    private readonly maxAgeMs = 15000,
  ) {}

  /** Stores `curr` and returns the sample to compute the rate against (or null). */
  push(key: string, curr: Sample): Sample | null {
    const list = (this.samples.get(key) ?? []).filter((s) => curr.at - s.at <= this.maxAgeMs && s.at < curr.at);
    // Newest sample that is at least minWindowMs old: a recent, but not too noisy, window.
    let base: Sample | null = null;
    for (const s of list) if (curr.at - s.at >= this.minWindowMs) base = s;
    list.push(curr);
    this.samples.set(key, list.slice(-20));
    return base;
  }
}
