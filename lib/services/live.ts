import "server-only";
import { fanOut, type FanOutResult, type GatewayTarget } from "@/lib/gateways/fanout";
import { sharedFanOut } from "@/lib/metrics/gateway-reads";
import { sharedRead } from "@/lib/metrics/shared-read";
import type { GatewayState } from "@/lib/gateways/types";
import type { Db } from "@/lib/db";
import { loadAllDesired, loadDesired, type StoredService } from "./read";
import { countNodes, diffState, type Drift } from "./state";
import { mergeRates, rates, SampleHistory, type ServiceRates } from "./stats";
import { gatewaysForService, groupsOf, resultsForService } from "@/lib/fleet/groups";
import { loadGatewayTargets } from "@/lib/gateways/targets";

/** Page reads wait this long for a gateway, then show it as unreachable. */
export const LIVE_TIMEOUT_MS = 1500;

export type GatewayReach = {
  gatewayId: string;
  gatewayName: string;
  reachable: boolean;
  error: { code: string; message: string } | null;
};

export type SyncInfo = {
  /** ok: the last push of the current revision landed; failed: it did not; stale: an older revision was pushed; never: no push recorded. */
  status: "ok" | "failed" | "stale" | "never";
  pushedRevision: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
};

export type LiveOnGateway = GatewayReach & {
  /** Live node counts by state (null when unreachable or missing). */
  live: { active: number; gray: number; draining: number; down: number; total: number } | null;
  drift: Drift | null;
  sync: SyncInfo;
};

export type ServiceSummary = {
  name: string;
  /** Fleet groups (issue 15); `gateways` lists the gateways of these groups only. */
  groups?: string[];
  algorithm: string;
  revision: number;
  counts: ReturnType<typeof countNodes>;
  gateways: LiveOnGateway[];
  /** Some gateway differs from the desired state, or the last push there failed. */
  drifted: boolean;
  outOfSync: boolean;
};

export type UnmanagedService = {
  name: string;
  /**
   * Where it was found, with its node count there, and its manager there: "portal" for one
   * a portal pushed that this database does not know (created after the backup it was
   * restored from, or by another portal).
   */
  gateways: { gatewayId: string; gatewayName: string; nodes: number; version: number | null; managedBy: string | null }[];
};

export type ServicesOverview = {
  gateways: GatewayReach[];
  /** The requested page of the services whose name matches the query. */
  services: ServiceSummary[];
  /** How many services match the query (all pages). */
  total: number;
  page: number;
  pageSize: number;
  unmanaged: UnmanagedService[];
};

export const OVERVIEW_PAGE_SIZE = 50;

export type OverviewQuery = { q?: string; page?: number; pageSize?: number };

function reach(r: FanOutResult<unknown>): GatewayReach {
  return {
    gatewayId: r.gatewayId ?? "",
    gatewayName: r.gatewayName,
    reachable: r.ok,
    error: r.ok ? null : { code: r.error.code, message: r.error.message },
  };
}

type SyncRow = { gatewayId: string; serviceId: string; pushedRevision: number; ok: boolean; lastError: string | null; lastAttemptAt: Date; lastSuccessAt: Date | null };

export function syncInfo(row: SyncRow | undefined, revision: number): SyncInfo {
  if (!row) return { status: "never", pushedRevision: null, lastError: null, lastAttemptAt: null, lastSuccessAt: null };
  const status = !row.ok ? "failed" : row.pushedRevision < revision ? "stale" : "ok";
  return {
    status,
    pushedRevision: row.pushedRevision,
    lastError: row.lastError,
    lastAttemptAt: row.lastAttemptAt.toISOString(),
    lastSuccessAt: row.lastSuccessAt?.toISOString() ?? null,
  };
}

function liveCounts(s: GatewayState | undefined) {
  if (!s) return null;
  const c = countNodes(s.nodes);
  return { active: c.active, gray: c.gray, draining: c.draining, down: c.down, total: c.total };
}

function summarize(
  desired: StoredService,
  reads: FanOutResult<GatewayState[]>[],
  syncs: SyncRow[],
): ServiceSummary {
  const gateways = reads.map((r): LiveOnGateway => {
    const sync = syncInfo(syncs.find((s) => s.gatewayId === r.gatewayId && s.serviceId === desired.id), desired.revision);
    if (!r.ok) return { ...reach(r), live: null, drift: null, sync };
    const live = r.value.find((u) => u.name === desired.name);
    return { ...reach(r), live: liveCounts(live), drift: diffState(desired, live), sync };
  });
  const drifted = gateways.some((g) => g.drift && g.drift.kind !== "in_sync");
  const outOfSync = gateways.some((g) => g.sync.status !== "ok");
  return {
    name: desired.name,
    groups: [...groupsOf(desired.groups)],
    algorithm: desired.algorithm,
    revision: desired.revision,
    counts: countNodes(desired.nodes),
    gateways,
    drifted,
    outOfSync,
  };
}

/** Shared by concurrent renders; `version` changes with any desired-state change, so a change is never hidden. */
async function readAll(targets: readonly GatewayTarget[], version: string) {
  return sharedFanOut("upstreams", targets, (c) => c.getUpstreams(), { timeoutMs: LIVE_TIMEOUT_MS, version });
}

/** Every service with its desired counts and its live state on each gateway, plus unmanaged ones. */
export async function getServicesOverview(db: Db, query: OverviewQuery = {}): Promise<ServicesOverview> {
  // Concurrent viewers share one overview per second; the key holds a cheap fingerprint of the
  // database side (services, pushes, gateways), so a change shows on the next render.
  const [v] = await db.$queryRaw<{ v: string }[]>`
    SELECT concat_ws(':', (SELECT count(*) FROM "Service"), (SELECT coalesce(sum(revision), 0) FROM "Service"),
      (SELECT max("lastAttemptAt") FROM "GatewaySync"), (SELECT count(*) FROM "GatewaySync" WHERE ok),
      (SELECT count(*) FROM "Gateway"), (SELECT max("updatedAt") FROM "Gateway")) AS v`;
  return sharedRead(`overview:${v?.v}:${query.q ?? ""}:${query.page ?? 1}:${query.pageSize ?? ""}`, 1000, () => readOverview(db, query));
}

async function readOverview(db: Db, query: OverviewQuery): Promise<ServicesOverview> {
  const [services, targets, syncs] = await Promise.all([loadAllDesired(db), loadGatewayTargets(db), db.gatewaySync.findMany()]);
  // Comparing desired with live state is the costly part of a render: do it for one page only.
  const q = query.q?.trim().toLowerCase() ?? "";
  const matching = q ? services.filter((s) => s.name.toLowerCase().includes(q)) : services;
  const pageSize = query.pageSize ?? OVERVIEW_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(matching.length / pageSize));
  const page = Math.min(Math.max(1, Math.floor(query.page ?? 1)), pages);
  const reads = await readAll(targets, `${services.length}:${services.reduce((n, s) => n + s.revision, 0)}`);
  const known = new Set(services.map((s) => s.name));
  const unmanaged = new Map<string, UnmanagedService>();
  for (const r of reads) {
    if (!r.ok) continue;
    for (const u of r.value) {
      if (known.has(u.name)) continue;
      const entry = unmanaged.get(u.name) ?? { name: u.name, gateways: [] };
      entry.gateways.push({ gatewayId: r.gatewayId ?? "", gatewayName: r.gatewayName, nodes: u.nodes.length, version: u.version ?? null, managedBy: u.managed_by ?? null });
      unmanaged.set(u.name, entry);
    }
  }
  return {
    gateways: reads.map(reach),
    services: matching.slice((page - 1) * pageSize, page * pageSize).map((s) => summarize(s, resultsForService(reads, targets, s.groups), syncs)),
    total: matching.length,
    page,
    pageSize,
    unmanaged: [...unmanaged.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export type LiveNode = { addr: string; weight: number; state: string; backup: boolean };

/** A repair push of the reconciler or "sync now" (service.sync), as the service page lists it. */
export type SyncRepair = {
  eventId: string;
  at: string;
  actor: string;
  /** What the gateway held: "gateway ahead of database", … (+ "; push recovered after failures"). */
  reason: string | null;
  gateway: string | null;
  ok: boolean | null;
  error: string | null;
};

export type ServiceDetail = {
  service: StoredService;
  gateways: (LiveOnGateway & { nodes: LiveNode[] | null; version: number | null })[];
  drifted: boolean;
  outOfSync: boolean;
  /** The latest repairs of this service, newest first. */
  repairs: SyncRepair[];
};

export const RECENT_REPAIRS = 5;

/** One service: desired state, and its live copy and sync status on each gateway. */
export async function getServiceDetail(db: Db, name: string): Promise<ServiceDetail | null> {
  const service = await loadDesired(db, name);
  if (!service) return null;
  const [targets, syncs, repairs] = await Promise.all([
    loadGatewayTargets(db).then((all) => gatewaysForService(all, service.groups)),
    db.gatewaySync.findMany({ where: { serviceId: service.id } }),
    db.auditEvent.findMany({
      // An event of one gateway's sync names the service when it is the only one; otherwise
      // it lists it (lib/reconcile/sync.ts).
      where: { action: "service.sync", OR: [{ serviceName: name }, { serviceName: null, before: { path: ["services"], array_contains: [{ service: name }] } }] },
      orderBy: { id: "desc" },
      take: RECENT_REPAIRS,
      select: { id: true, createdAt: true, actorEmail: true, reason: true, before: true, outcomes: { select: { gatewayName: true, ok: true, code: true, message: true } } },
    }),
  ]);
  const reads = await sharedFanOut(`upstream:${name}`, targets, (c) => c.getUpstream(name), { timeoutMs: LIVE_TIMEOUT_MS, version: service.revision });
  const gateways = reads.map((r) => {
    const sync = syncInfo(syncs.find((s) => s.gatewayId === r.gatewayId), service.revision);
    if (!r.ok) return { ...reach(r), live: null, drift: null, sync, nodes: null, version: null };
    const live = r.value ?? undefined;
    return {
      ...reach(r),
      live: liveCounts(live),
      drift: diffState(service, live),
      sync,
      nodes: live ? live.nodes.map((n) => ({ ...n })) : null,
      version: live?.version ?? null,
    };
  });
  return {
    service,
    gateways,
    drifted: gateways.some((g) => g.drift && g.drift.kind !== "in_sync"),
    outOfSync: gateways.some((g) => g.sync.status !== "ok"),
    repairs: repairs.map((e) => {
      const entry = ((e.before as { services?: { service?: unknown; reason?: unknown }[] } | null)?.services ?? []).find((s) => s.service === name);
      const mine = e.outcomes.find((o) => o.message === name || o.message.startsWith(`${name}: `));
      const o = mine ?? e.outcomes[0];
      const message = mine ? o.message.slice(name.length + 2) : o?.message;
      return {
        eventId: e.id.toString(),
        at: e.createdAt.toISOString(),
        actor: e.actorEmail,
        reason: typeof entry?.reason === "string" ? entry.reason : e.reason,
        gateway: o?.gatewayName ?? null,
        ok: o ? o.ok : null,
        error: o && !o.ok ? `${o.code ?? "error"}: ${message}` : null,
      };
    }),
  };
}

// Process-wide so every poller shares one history per gateway.
const history = ((globalThis as unknown as { graylaneStatsHistory?: SampleHistory }).graylaneStatsHistory ??= new SampleHistory());

export type LiveStats = {
  at: string;
  gateways: GatewayReach[];
  /** service → totals and per-node rates over all reachable gateways. */
  services: Record<string, ServiceRates>;
};

/**
 * Live counters of every gateway → requests/s and 5xx rate, per service and node. With
 * `service` (a service page's polling) each gateway is asked for that service only
 * (`GET /v1/stats?service=`), so the cost of a poll does not grow with the fleet.
 */
export async function getLiveStats(db: Db, opts: { service?: string } = {}): Promise<LiveStats> {
  // One read of the gateways per second and scope for all pollers of this process.
  const service = opts.service;
  if (service) return sharedRead(`live-stats:${service}`, 1000, () => readLiveStats(db, { service }));
  return sharedRead("live-stats", 1000, async () => {
    const all = await readLiveStats(db, {});
    // Every service without its nodes: what the overview polls (2,000 nodes would be ~200 KB a poll).
    const services = Object.fromEntries(Object.entries(all.services).map(([name, s]) => [name, { ...s, nodes: {} }]));
    return { ...all, services };
  });
}

async function readLiveStats(db: Db, opts: { service?: string }): Promise<LiveStats> {
  const targets = await loadGatewayTargets(db);
  const reads = await fanOut(targets, (c) => c.getStats({ service: opts.service }), { timeoutMs: LIVE_TIMEOUT_MS });
  const now = Date.now();
  const perGateway = reads.flatMap((r) => {
    if (!r.ok) return [];
    const curr = { at: now, stats: r.value };
    // One history per gateway and scope: a one-service sample has no counters of the others,
    // which a rate against it would read as zero.
    const prev = history.push(`${r.gatewayId ?? r.gatewayName}\0${opts.service ?? "*"}`, curr);
    return [rates(prev, curr)];
  });
  return { at: new Date(now).toISOString(), gateways: reads.map(reach), services: mergeRates(perGateway) };
}
