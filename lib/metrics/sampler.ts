import "server-only";
// The time series behind the graphs: every ~10 s one portal process of the deployment (the
// leader, lib/leader.ts) reads GET /v1/stats from every gateway, turns the counters into
// per-node traffic over the interval (requests, 5xx, latency histogram, summed over the
// gateways) and stores one row per busy node in NodeSample; rows older than the retention are
// deleted. Pages read these rows (lib/metrics/series.ts), so a graph shows history from
// before it was opened and no viewer causes a gateway read.
import { getDb } from "@/lib/db";
import { fanOut, type GatewayTarget } from "@/lib/gateways/fanout";
import { LEADER_LOCKS, startLeaderLoop, type LeaderHandle } from "@/lib/leader";
import { log } from "@/lib/log";
import { deltaCounters, quantileMs, type NodeCounters } from "@/lib/releases/analysis";
import { statsDocumentCounters } from "@/lib/releases/stats-source";
import type { Db } from "@/lib/db";
import { loadGatewayTargets } from "@/lib/gateways/targets";

export type SamplerOptions = { intervalMs: number; retentionMs: number };

export function samplerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SamplerOptions {
  const n = (name: string, dflt: number, min: number) => {
    const v = Number(env[name]);
    return env[name] !== undefined && env[name] !== "" && Number.isFinite(v) && v >= min ? v : dflt;
  };
  return { intervalMs: n("GRAYLANE_SAMPLE_INTERVAL_MS", 10_000, 500), retentionMs: n("GRAYLANE_SAMPLE_RETENTION_HOURS", 6, 0.1) * 3_600_000 };
}

type GatewayCounters = { at: number; services: Record<string, Record<string, NodeCounters>> };

export type SampleRow = {
  at: Date;
  service: string;
  addr: string;
  seconds: number;
  requests: number;
  errors5xx: number;
  p95Ms: number | null;
  bounds: number[];
  buckets: number[];
};

/** Adds `d` into `acc` (same bucket layout, else the histogram of `d` is skipped). */
function addInto(acc: NodeCounters, d: NodeCounters): void {
  acc.requests += d.requests;
  acc.errors5xx += d.errors5xx;
  acc.latencyCount += d.latencyCount;
  acc.latencySumSec += d.latencySumSec;
  if (acc.cumulative.length === 0) {
    acc.bounds = d.bounds;
    acc.cumulative = [...d.cumulative];
  } else if (acc.cumulative.length === d.cumulative.length) {
    d.cumulative.forEach((v, i) => (acc.cumulative[i] += v));
  }
}

/**
 * Per-node rows for one interval from each gateway's previous and current counters. A gateway
 * seen for the first time only sets its baseline; one whose counters went down restarted and
 * counts from zero (deltaCounters).
 */
export function intervalRows(prev: ReadonlyMap<string, GatewayCounters>, curr: ReadonlyMap<string, GatewayCounters>, at: number): SampleRow[] {
  const sums = new Map<string, { service: string; addr: string; c: NodeCounters; seconds: number }>();
  for (const [gw, now] of curr) {
    const before = prev.get(gw);
    if (!before) continue;
    const seconds = (now.at - before.at) / 1000;
    if (seconds <= 0) continue;
    for (const [service, nodes] of Object.entries(now.services)) {
      for (const [addr, c] of Object.entries(nodes)) {
        const d = deltaCounters(before.services[service]?.[addr], c);
        if (d.requests <= 0) continue;
        const key = `${service}\0${addr.toLowerCase()}`;
        const s = sums.get(key) ?? { service, addr, seconds, c: { requests: 0, errors5xx: 0, latencyCount: 0, latencySumSec: 0, bounds: [], cumulative: [], ejected: false } };
        s.seconds = Math.max(s.seconds, seconds);
        addInto(s.c, d);
        sums.set(key, s);
      }
    }
  }
  return [...sums.values()].map(({ service, addr, seconds, c }) => ({
    at: new Date(at),
    service,
    addr,
    seconds,
    requests: c.requests,
    errors5xx: c.errors5xx,
    p95Ms: quantileMs(c.bounds, c.cumulative, 0.95),
    bounds: c.bounds.filter((b) => Number.isFinite(b)),
    buckets: c.cumulative,
  }));
}

export class Sampler {
  private last = new Map<string, GatewayCounters>();
  private lastPrune = 0;

  constructor(private readonly opts: SamplerOptions) {}

  /** One pass: read every gateway, store the interval's rows, prune old ones. Returns the rows stored. */
  async tick(db: Db, targets?: readonly GatewayTarget[], now = Date.now()): Promise<number> {
    const reads = await fanOut(targets ?? (await loadGatewayTargets(db)), async (c) => c.getStatsDocument());
    const curr = new Map<string, GatewayCounters>();
    for (const r of reads) {
      const key = r.gatewayId ?? r.gatewayName;
      if (r.ok) curr.set(key, { at: now, services: statsDocumentCounters(r.value) });
      else log.warn("metrics.sample_failed", { gateway: r.gatewayName, error: r.error.message });
    }
    const rows = intervalRows(this.last, curr, now);
    // A gateway that did not answer keeps its old baseline: its next interval is just longer.
    for (const [k, v] of curr) this.last.set(k, v);
    if (rows.length) await db.nodeSample.createMany({ data: rows });
    if (now - this.lastPrune >= 60_000) {
      this.lastPrune = now;
      await db.nodeSample.deleteMany({ where: { at: { lt: new Date(now - this.opts.retentionMs) } } });
    }
    return rows.length;
  }
}

export type SamplerHandle = LeaderHandle;

export function startSampler(opts: { databaseUrl?: string; intervalMs?: number } = {}): SamplerHandle {
  const options = samplerOptionsFromEnv();
  const sampler = new Sampler(options);
  return startLeaderLoop({
    name: "metrics.sampler",
    lockId: LEADER_LOCKS.sampler,
    intervalMs: opts.intervalMs ?? options.intervalMs,
    databaseUrl: opts.databaseUrl,
    tick: async () => {
      await sampler.tick(getDb());
    },
  });
}
