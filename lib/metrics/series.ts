import "server-only";
// Reads of the sampled time series (NodeSample, written by lib/metrics/sampler.ts) for the
// graphs: per node of a service over the last minutes, and gray vs stable over a release.
// Shared per process for a few seconds (the sampler writes every ~10 s), so many viewers
// cost one query per TTL.
import { quantileMs } from "@/lib/releases/analysis";
import { isTarget } from "@/lib/releases/plan";
import type { Db } from "@/lib/db";
import { sharedRead } from "./shared-read";

export const SERIES_TTL_MS = 5000;
/** The service page's window. */
export const NODE_WINDOW_MS = 15 * 60_000;
/** A release graph keeps at most this many points (older ones are merged into wider buckets). */
export const MAX_POINTS = 240;

export type Point = { t: number; rps: number; errorRate: number | null; p95Ms: number | null; requests: number };

export type NodeSeries = { from: number; to: number; nodes: Record<string, Point[]> };

type Row = { at: Date; addr: string; seconds: number; requests: number; errors5xx: number; bounds: number[]; buckets: number[] };

type Acc = { t: number; seconds: number; requests: number; errors5xx: number; bounds: number[]; buckets: number[] };

function add(acc: Acc, r: Row): void {
  acc.requests += r.requests;
  acc.errors5xx += r.errors5xx;
  if (!acc.buckets.length) {
    acc.bounds = r.bounds;
    acc.buckets = [...r.buckets];
  } else if (acc.buckets.length === r.buckets.length) r.buckets.forEach((v, i) => (acc.buckets[i] += v));
}

function toPoint(a: Acc): Point {
  const bounds = a.buckets.length === a.bounds.length + 1 ? [...a.bounds, Infinity] : a.bounds;
  const p95 = quantileMs(bounds, a.buckets, 0.95);
  return {
    t: a.t,
    rps: a.seconds > 0 ? a.requests / a.seconds : 0,
    errorRate: a.requests > 0 ? a.errors5xx / a.requests : null,
    p95Ms: p95 === null ? null : Math.round(p95 * 10) / 10,
    requests: a.requests,
  };
}

/** Rows → points, one per sample time (rows of one tick share `at`), merged into at most `max` time buckets. */
export function pointsOf(rows: readonly Row[], max = MAX_POINTS): Point[] {
  const ticks = new Map<number, Acc>();
  for (const r of rows) {
    const t = r.at.getTime();
    let a = ticks.get(t);
    if (!a) ticks.set(t, (a = { t, seconds: r.seconds, requests: 0, errors5xx: 0, bounds: [], buckets: [] }));
    add(a, r);
  }
  let list = [...ticks.values()].sort((x, y) => x.t - y.t);
  if (list.length > max) {
    const first = list[0].t;
    const span = list[list.length - 1].t - first;
    const width = span / max;
    const merged = new Map<number, Acc>();
    for (const a of list) {
      const b = Math.min(max - 1, Math.floor((a.t - first) / width));
      const m = merged.get(b);
      if (!m) merged.set(b, { ...a, buckets: [...a.buckets] });
      else {
        m.t = a.t;
        m.seconds += a.seconds;
        add(m, { at: new Date(a.t), addr: "", seconds: 0, requests: a.requests, errors5xx: a.errors5xx, bounds: a.bounds, buckets: a.buckets });
      }
    }
    list = [...merged.values()];
  }
  return list.map(toPoint);
}

const SELECT = { at: true, addr: true, seconds: true, requests: true, errors5xx: true, bounds: true, buckets: true } as const;

/** Each node of a service over the last 15 minutes. */
export function getNodeSeries(db: Db, service: string, now = Date.now()): Promise<NodeSeries> {
  return sharedRead(`series:node:${service}`, SERIES_TTL_MS, async () => {
    const from = now - NODE_WINDOW_MS;
    const rows = await db.nodeSample.findMany({ where: { service, at: { gte: new Date(from) } }, select: SELECT, orderBy: { at: "asc" } });
    const byNode = new Map<string, Row[]>();
    for (const r of rows) {
      const k = r.addr.toLowerCase();
      const list = byNode.get(k) ?? [];
      list.push(r);
      byNode.set(k, list);
    }
    const nodes: Record<string, Point[]> = {};
    for (const list of byNode.values()) nodes[list[0].addr] = pointsOf(list);
    return { from, to: now, nodes };
  });
}

export type ReleaseSeries = {
  from: number;
  to: number;
  gray: Point[];
  stable: Point[];
  /** Traffic steps: when the gray share changed, and to what. */
  steps: { t: number; percent: number }[];
};

/** Gray (the release's targets) vs stable (the other nodes) over the release, with its steps. */
export function getReleaseSeries(db: Db, id: string): Promise<ReleaseSeries | null> {
  return sharedRead(`series:release:${id}`, SERIES_TTL_MS, async () => {
    const r = await db.release.findUnique({ where: { id }, select: { targets: true, startedAt: true, endedAt: true, service: { select: { name: true } } } });
    if (!r) return null;
    const from = r.startedAt.getTime();
    const to = r.endedAt?.getTime() ?? Date.now();
    const [rows, events] = await Promise.all([
      db.nodeSample.findMany({ where: { service: r.service.name, at: { gte: r.startedAt, lte: new Date(to + 15_000) } }, select: SELECT, orderBy: { at: "asc" } }),
      db.auditEvent.findMany({ where: { releaseId: id, action: { in: ["release.step", "release.promote", "release.rollback"] } }, select: { createdAt: true, after: true }, orderBy: { id: "asc" } }),
    ]);
    const gray = rows.filter((x) => isTarget(r.targets, x.addr));
    const stable = rows.filter((x) => !isTarget(r.targets, x.addr));
    const steps = events.map((e) => ({ t: e.createdAt.getTime(), percent: (e.after as { gray?: { percent?: number } } | null)?.gray?.percent ?? 0 }));
    return { from, to, gray: pointsOf(gray), stable: pointsOf(stable), steps };
  });
}
