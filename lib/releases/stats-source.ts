import "server-only";
// Reads one service's per-node counters, with the latency histogram, from every gateway
// (GET /v1/stats?service=: that service only, whatever the size of the fleet). The typed client's getStats keeps only the fields the live views need;
// the analysis needs the histogram buckets, so it parses the document itself.
import { DEFAULT_TIMEOUT_MS, fanOut, type GatewayTarget } from "@/lib/gateways/fanout";
import type { NodeCounters, ServiceSample } from "./analysis";

type RawNode = {
  addr?: unknown;
  requests?: unknown;
  responses?: Record<string, unknown>;
  status?: Record<string, unknown>;
  ejected?: unknown;
  state?: unknown;
  latency?: { sum?: unknown; count?: unknown; buckets?: { le?: unknown; count?: unknown }[] };
};

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function parseNodeCounters(n: RawNode): NodeCounters {
  const classes = n.responses ?? n.status ?? {};
  const buckets = Array.isArray(n.latency?.buckets) ? n.latency.buckets : [];
  return {
    requests: num(n.requests),
    errors5xx: num(classes["5xx"]),
    latencyCount: num(n.latency?.count),
    latencySumSec: num(n.latency?.sum),
    bounds: buckets.map((b) => (typeof b.le === "number" ? b.le : Infinity)),
    cumulative: buckets.map((b) => num(b.count)),
    ejected: n.ejected === true,
    state: typeof n.state === "string" ? n.state : undefined,
  };
}

/** One service's nodes from a /v1/stats document ({ services: [{ name, nodes: [...] }] }). */
function serviceCounters(doc: unknown, service: string): Record<string, NodeCounters> | null {
  const services = (doc as { services?: unknown } | null)?.services;
  if (!Array.isArray(services)) return null;
  const svc = services.find((s) => (s as { name?: unknown }).name === service) as { nodes?: RawNode[] } | undefined;
  if (!svc || !Array.isArray(svc.nodes)) return null;
  const out: Record<string, NodeCounters> = {};
  for (const n of svc.nodes) if (typeof n.addr === "string") out[n.addr] = parseNodeCounters(n);
  return out;
}

/** Every service's nodes from a /v1/stats document: service → addr → counters. */
export function statsDocumentCounters(doc: unknown): Record<string, Record<string, NodeCounters>> {
  const services = (doc as { services?: unknown } | null)?.services;
  const out: Record<string, Record<string, NodeCounters>> = {};
  if (!Array.isArray(services)) return out;
  for (const svc of services as { name?: unknown; nodes?: RawNode[] }[]) {
    if (typeof svc?.name !== "string" || !Array.isArray(svc.nodes)) continue;
    const nodes: Record<string, NodeCounters> = (out[svc.name] = {});
    for (const n of svc.nodes) if (typeof n.addr === "string") nodes[n.addr] = parseNodeCounters(n);
  }
  return out;
}

export type StatsRead = { sample: ServiceSample; unreachable: string[] };

/** Counters of one service on every gateway; a gateway that does not answer is listed, not fatal. */
export async function readServiceSample(targets: readonly GatewayTarget[], service: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<StatsRead> {
  const at = Date.now();
  const gateways: ServiceSample["gateways"] = {};
  const unreachable: string[] = [];
  const reads = await fanOut(
    targets,
    async (c) => {
      const doc = await c.getStatsDocument({ service });
      if (doc === undefined) throw new Error("stats: not JSON");
      return doc;
    },
    { timeoutMs },
  );
  for (const r of reads) {
    if (r.ok) gateways[r.gatewayName] = serviceCounters(r.value, service) ?? {};
    else unreachable.push(r.gatewayName);
  }
  return { sample: { at, gateways }, unreachable };
}
