import "server-only";
// Repairing one gateway: every service whose copy there is missing or differs from the
// desired state is pushed again, and what one sync did there is one service.sync event. Used
// by "sync now" (a person), the background reconciler (./reconcile.ts, SYSTEM_ACTOR) and the
// first sync of a gateway that just enrolled (reconcileEnrolled, ./reconcile.ts).
import { auditChange, type Actor } from "@/lib/audit/append";
import { appendAuditOutcomes } from "@/lib/audit/outcomes";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { toGatewayError } from "@/lib/gateways/errors";
import { fanOut, type GatewayTarget } from "@/lib/gateways/fanout";
import type { GatewayState } from "@/lib/gateways/types";
import type { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { putDesiredState, recordSyncRows, syncRow, toOutcome, type PushOutcome } from "@/lib/services/push";
import { loadAllDesired, type StoredService } from "@/lib/services/read";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { diffState, toGatewayState, type Drift, type DriftKind } from "@/lib/services/state";
import { servesGateway } from "@/lib/fleet/groups";
import { SYNC_BUSY, withSyncLeases } from "./lease";
import { mapLimit } from "./limit";
import { readLive, remember } from "./summary";

export type GatewaySyncReport = {
  gatewayId: string;
  gatewayName: string;
  /** The gateway could not be read; nothing was pushed. */
  error: { code: string; message: string } | null;
  /** revision: the desired revision compared (and pushed, when it drifted). */
  services: { service: string; revision: number; drift: string; outcome: PushOutcome | null; eventId: string | null }[];
};

/**
 * Brings one gateway to the desired state of every service ("sync now"): each service that
 * is missing or differs there is pushed, the sync audited as one service.sync event; services
 * the database does not know are left alone.
 */
export async function syncGatewayNow(db: Db, actor: Actor, gatewayId: string): Promise<GatewaySyncReport> {
  const [target] = await loadGatewayTargets(db, { id: gatewayId });
  if (!target) throw new AppError("not_found", `gateway ${gatewayId} not found`, { params: { gateway: gatewayId } });
  // Under the gateway's lease, like a reconcile pass and the enrollment's sync: one at a time.
  return withSyncLeases(db, [gatewayId], async (leased) =>
    leased.has(gatewayId) ? syncGateway(db, actor, target) : { gatewayId, gatewayName: target.name, error: { ...SYNC_BUSY }, services: [] },
  );
}

/** The audit reason of a repair, by what the gateway held. */
export const SYNC_REASONS: Record<Exclude<DriftKind, "in_sync"> | "unmarked", string> = {
  missing: "service missing on gateway",
  revision: "gateway behind database",
  ahead: "gateway ahead of database",
  content: "changed on gateway directly",
  /** Same content, but not marked as the portal's (pushed by a portal from before managed_by). */
  unmarked: "not marked as managed by the portal",
};

/** Added to the reason of the one event that ends a failure streak. */
export const RECOVERED = "push recovered after failures";

/** How many differences an audit event keeps per service (a 512-node service replaced on the gateway). */
const MAX_AUDITED_CHANGES = 50;

/**
 * Services of one gateway checked and pushed at once: a new gateway's 200 services are
 * pushed 8 at a time over the pooled connections, not one after the other (the gateway
 * serialises its writes anyway; this overlaps the portal's reads and round trips).
 */
export const SYNC_CONCURRENCY = 8;

export type SyncOptions = {
  /**
   * (Reconciliation) a service changed less than this long ago is left to the push of that
   * change, which may still be in flight; it is repaired on a later pass if that push never
   * lands (portal killed half-way, gateway down).
   */
  settleMs?: number;
  /** Failure streaks (the background reconciler): see syncGateway. */
  streaks?: boolean;
  /** Every service's desired state, read once by a pass for all its gateways. */
  desired?: readonly StoredService[];
};

/** A push this sync made, as its audit event lists it. */
type Repair = {
  service: string;
  serviceId: string;
  revision: number;
  drift: Drift;
  reason: string;
  outcome: PushOutcome;
  /** The last push of this service here had failed (on record already); set when streaks are on. */
  streak: { lastSuccessAt: Date | null } | null;
};

type Line = GatewaySyncReport["services"][number];

/** A push to make: the desired state read after the drift was seen, and the drift seen then. */
type Planned = { desired: StoredService; drift: Drift; reason: string; streak: Repair["streak"] };

/**
 * The services seen to differ: both sides are read again (the first reads may predate a change
 * whose own push has landed since) and each is planned for a push, or left: in sync after all,
 * settling (`settleMs`), or deleted meanwhile. The database side is one query for all of them.
 */
async function planRepairs(db: Db, target: GatewayTarget, client: GatewayClient, drifted: readonly StoredService[], docs: Map<string, GatewayState>, opts: SyncOptions): Promise<{ lines: Line[]; planned: Planned[] }> {
  const lines: Line[] = [];
  const planned: Planned[] = [];
  if (!drifted.length) return { lines, planned };
  const names = drifted.map((d) => d.name);
  const [fresh, rows] = await Promise.all([
    loadAllDesired(db).then((all) => new Map(all.map((d) => [d.name, d]))),
    db.service.findMany({
      where: { name: { in: names } },
      select: { name: true, updatedAt: true, syncs: { where: { gatewayId: target.id ?? "" }, select: { ok: true, pushedRevision: true, lastSuccessAt: true } } },
    }),
  ]);
  const row = new Map(rows.map((r) => [r.name, r]));
  const again = await mapLimit(names, SYNC_CONCURRENCY, (name) => client.getUpstream(name).catch(() => docs.get(name) ?? null));
  const seen = drifted.map((first, i) => ({ desired: fresh.get(first.name), row: row.get(first.name), live: again[i] }));
  // A change committed after `fresh` was read, whose push landed before the GETs above, looks
  // the same as a gateway ahead: only a revision the database still has not issued is "ahead".
  const aheadOf = seen.filter((x) => x.desired && diffState(x.desired, x.live).kind === "ahead").map((x) => x.desired!.name);
  const now = aheadOf.length ? new Map((await db.service.findMany({ where: { name: { in: aheadOf } }, select: { name: true, revision: true } })).map((r) => [r.name, r.revision])) : new Map<string, number>();
  for (const { desired, row: r, live } of seen) {
    if (!desired || !r) continue; // deleted meanwhile; its own delete cleans the gateways
    if (!servesGateway(desired.groups, target.group)) continue; // moved to other groups meanwhile: that change handles it
    const line = (drift: string, revision = desired.revision) => lines.push({ service: desired.name, revision, drift, outcome: null, eventId: null });
    const drift = diffState(desired, live);
    if (drift.kind === "in_sync") {
      line("in_sync");
      continue;
    }
    const sync = r.syncs[0];
    // Unless the push of this revision to this gateway is recorded as done, it may be in flight.
    if (opts.settleMs && (drift.liveRevision ?? 0) < desired.revision && !(sync && sync.pushedRevision >= desired.revision) && Date.now() - r.updatedAt.getTime() < opts.settleMs) {
      line("settling");
      continue;
    }
    if (drift.kind === "ahead") {
      const current = now.get(desired.name);
      if (current === undefined) continue;
      if (current >= drift.liveRevision!) {
        line("settling", current);
        continue;
      }
      log.warn("sync.gateway_ahead", { gateway: target.name, service: desired.name, live: drift.liveRevision, desired: desired.revision });
    }
    const streak = opts.streaks && sync && !sync.ok ? { lastSuccessAt: sync.lastSuccessAt } : null;
    const reason = SYNC_REASONS[drift.kind === "content" && drift.fields.join() === "managed_by" ? "unmarked" : drift.kind];
    planned.push({ desired, drift, reason, streak });
  }
  return { lines, planned };
}

/** Pushes one planned repair (the full state, If-Match, never over a newer revision). */
async function pushPlanned(db: Db, target: GatewayTarget, p: Planned): Promise<Repair> {
  const state = toGatewayState(p.desired);
  const currentRevision = async () => (await db.service.findUnique({ where: { name: p.desired.name }, select: { revision: true } }))?.revision ?? null;
  const [result] = await fanOut([target], (client) => putDesiredState(client, state, currentRevision));
  const outcome = toOutcome(result);
  if (!outcome.ok) log.warn("push.failed", { service: p.desired.name, gateway: target.name, code: outcome.code, status: outcome.status, message: outcome.message });
  return {
    service: p.desired.name,
    serviceId: p.desired.id,
    revision: p.desired.revision,
    drift: p.drift,
    reason: p.streak && outcome.ok ? `${p.reason}; ${RECOVERED}` : p.reason,
    outcome,
    streak: p.streak,
  };
}

/** In the event: every push that landed, and every push that failed unless its failure is on record already (a streak). */
const listedInEvent = (r: Repair) => r.outcome.ok || !r.streak;

/**
 * Records the pushes of a sync: their sync rows (one statement), then its one service.sync
 * event with an outcome row per listed push (one transaction). The event is written after
 * the pushes, from their observed outcomes: it never lists as repaired a push that did not
 * succeed. Returns its id, or null when there was nothing to list (or the records could not
 * be written: the pushes stand).
 */
async function recordRepairs(db: Db, actor: Actor, target: GatewayTarget, repairs: readonly Repair[]): Promise<bigint | null> {
  if (!repairs.length) return null;
  const listed = repairs.filter(listedInEvent);
  const reasons = [...new Set(listed.map((r) => r.reason))];
  const ok = listed.filter((r) => r.outcome.ok);
  const failed = listed.filter((r) => !r.outcome.ok);
  const before = {
    gateway: target.name,
    services: listed.map((r) => ({
      service: r.service,
      reason: r.reason,
      drift: r.drift.kind,
      fields: r.drift.fields,
      changes: r.drift.changes.slice(0, MAX_AUDITED_CHANGES) as unknown as Prisma.InputJsonValue,
      revision: r.drift.liveRevision,
      ...(r.streak ? { lastSuccessAt: r.streak.lastSuccessAt?.toISOString() ?? null } : {}),
    })),
  };
  const after = {
    gateway: target.name,
    repaired: ok.map((r) => ({ service: r.service, revision: r.revision, version: r.outcome.version })),
    failed: failed.map((r) => ({ service: r.service, revision: r.revision, code: r.outcome.code, message: r.outcome.message })),
  };
  // The gateway changed; failing to record that must not turn into "push failed". The sync
  // rows first, on their own: an audit write that fails leaves the sync status true.
  await recordSyncRows(db, repairs.flatMap((r) => syncRow(r.outcome, r.serviceId, r.revision))).catch((e: unknown) =>
    log.error("sync.record_failed", { gateway: target.name, services: repairs.map((r) => r.service), error: e instanceof Error ? e.message : String(e) }),
  );
  if (!listed.length) return null;
  try {
    return await db.$transaction(async (tx) => {
      const event = await auditChange(tx, actor, {
        action: "service.sync",
        targetType: "gateway",
        targetName: target.name,
        // One service: the event is in that service's history too.
        serviceName: listed.length === 1 ? listed[0].service : null,
        before,
        after,
        reason: listed.length === 1 ? reasons[0] : `${ok.length} repaired, ${failed.length} failed: ${reasons.join(" | ")}`,
      });
      await appendAuditOutcomes(tx, event.id, listed.map((r) => ({ ...r.outcome, message: r.outcome.message ? `${r.service}: ${r.outcome.message}` : r.service })));
      return event.id;
    });
  } catch (e) {
    log.error("sync.audit_failed", { gateway: target.name, services: listed.map((r) => r.service), error: e instanceof Error ? e.message : String(e) });
    return null;
  }
}

/**
 * Checks every service of the gateway's group there and pushes each that is missing or
 * differs (up to SYNC_CONCURRENCY at a time). The gateway is read through its summary
 * (./summary.ts): only the documents that changed since they were last seen in sync are
 * fetched and compared.
 *
 * Audit: one service.sync event per sync of a gateway, written after its pushes (see
 * recordRepairs). With `streaks` (the background reconciler), a service whose last push to
 * this gateway failed is in a failure streak whose failure is on record already: a retry that
 * fails again is not listed, and the retry that lands is (reason ending in RECOVERED). So a
 * service that keeps failing is listed once per streak, not once per pass. A person's
 * "sync now" lists every push.
 */
export async function syncGateway(db: Db, actor: Actor, target: GatewayTarget, opts: SyncOptions = {}): Promise<GatewaySyncReport> {
  const report: GatewaySyncReport = { gatewayId: target.id ?? "", gatewayName: target.name, error: null, services: [] };
  const client = createGatewayClient({ adminUrl: target.adminUrl, token: target.token, timeoutMs: 2000 });
  const all = opts.desired ?? (await loadAllDesired(db));
  // Only the services deployed to this gateway's group (lib/fleet/groups.ts).
  const mine = all.filter((d) => servesGateway(d.groups, target.group));
  let live;
  try {
    live = await readLive(client, target, mine);
  } catch (e) {
    const err = toGatewayError(e);
    report.error = { code: err.code, message: err.message };
    return report;
  }
  const drifted: StoredService[] = [];
  for (const desired of mine) {
    if (live.inSync.has(desired.name)) continue;
    const doc = live.docs.get(desired.name);
    if (diffState(desired, doc).kind === "in_sync") remember(target, desired, live.summary.get(desired.name), doc);
    else drifted.push(desired);
  }
  const { lines, planned } = await planRepairs(db, target, client, drifted, live.docs, opts);
  const repairs = await mapLimit(planned, SYNC_CONCURRENCY, (p) => pushPlanned(db, target, p));
  const eventId = await recordRepairs(db, actor, target, repairs);
  const byName = new Map<string, Line>(lines.map((l) => [l.service, l]));
  for (const r of repairs) {
    byName.set(r.service, { service: r.service, revision: r.revision, drift: r.drift.kind, outcome: r.outcome, eventId: eventId !== null && listedInEvent(r) ? eventId.toString() : null });
  }
  const skipped = new Set(drifted.map((d) => d.name));
  for (const d of mine) {
    const line = byName.get(d.name) ?? (skipped.has(d.name) ? null : { service: d.name, revision: d.revision, drift: "in_sync", outcome: null, eventId: null });
    if (line) report.services.push(line);
  }
  return report;
}
