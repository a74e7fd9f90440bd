import "server-only";
// Repairing one gateway: every service whose copy there is missing or differs from the
// desired state is pushed again, audited as service.sync. Used by "sync now" (a person)
// and by the background reconciler (./reconcile.ts, SYSTEM_ACTOR).
import { auditChange, type Actor } from "@/lib/audit/append";
import { appendAuditOutcomes } from "@/lib/audit/outcomes";
import type { Db, Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createGatewayClient } from "@/lib/gateways/client";
import { toGatewayError } from "@/lib/gateways/errors";
import type { GatewayTarget } from "@/lib/gateways/fanout";
import type { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { serviceJson } from "@/lib/services/commit";
import { pushService, type PushOutcome } from "@/lib/services/push";
import { loadDesired, toDesired } from "@/lib/services/read";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { diffState, type DriftKind } from "@/lib/services/state";
import { servesGateway } from "@/lib/fleet/groups";

export type GatewaySyncReport = {
  gatewayId: string;
  gatewayName: string;
  /** The gateway could not be read; nothing was pushed. */
  error: { code: string; message: string } | null;
  /** revision: the desired revision compared (and pushed, when it drifted). */
  services: { service: string; revision: number; drift: string; outcome: PushOutcome | null; eventId: string | null }[];
};

/**
 * Brings one gateway to the desired state of every service: each service that is missing
 * or differs there is pushed (and audited as service.sync); services the database does
 * not know are left alone. Reusable by reconciliation with SYSTEM_ACTOR.
 */
export async function syncGatewayNow(db: Db, actor: Actor, gatewayId: string): Promise<GatewaySyncReport> {
  const [target] = await loadGatewayTargets(db, { id: gatewayId });
  if (!target) throw new AppError("not_found", `gateway ${gatewayId} not found`, { params: { gateway: gatewayId } });
  return syncGateway(db, actor, target);
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

/** How many differences an audit event keeps (a 512-node service replaced on the gateway). */
const MAX_AUDITED_CHANGES = 50;

/**
 * `settleMs` (reconciliation): a service changed less than this long ago is left to the push
 * of that change, which may still be in flight; it is repaired on a later pass if that push
 * never lands (portal killed half-way, gateway down).
 *
 * Audit: a repair push gets its service.sync event (reason: what the gateway held) before it
 * is sent. With `streaks` (the background reconciler), a service whose last push to this
 * gateway failed is in a failure streak whose failure is on record already (the event of that
 * push): retries add no event, and the retry that lands adds one (reason ending in
 * RECOVERED). So a service that keeps failing is one event per streak, not one per pass. A
 * person's "sync now" is audited every time.
 */
export async function syncGateway(db: Db, actor: Actor, target: GatewayTarget, opts: { settleMs?: number; streaks?: boolean } = {}): Promise<GatewaySyncReport> {
  const report: GatewaySyncReport = { gatewayId: target.id ?? "", gatewayName: target.name, error: null, services: [] };
  const client = createGatewayClient({ adminUrl: target.adminUrl, token: target.token, timeoutMs: 2000 });
  let live;
  try {
    live = new Map((await client.getUpstreams()).map((u) => [u.name, u]));
  } catch (e) {
    const err = toGatewayError(e);
    report.error = { code: err.code, message: err.message };
    return report;
  }
  const rows = await db.service.findMany({ include: { nodes: { orderBy: [{ createdAt: "asc" }, { addr: "asc" }] } }, orderBy: { name: "asc" } });
  // Only the services deployed to this gateway's group (lib/fleet/groups.ts).
  for (const row of rows.filter((r) => servesGateway(r.groups, target.group))) {
    let desired = toDesired(row);
    let drift = diffState(desired, live.get(desired.name));
    if (drift.kind !== "in_sync") {
      // The list above may predate a change whose own push has landed since: compare the
      // fresh desired state with the fresh live copy before calling it drift.
      const fresh = await loadDesired(db, desired.name);
      if (!fresh) continue; // deleted meanwhile; its own delete cleans the gateways
      let again;
      try {
        again = await client.getUpstream(desired.name);
      } catch {
        again = live.get(desired.name);
      }
      desired = fresh;
      drift = diffState(desired, again);
      if (opts.settleMs && drift.kind !== "in_sync" && (drift.liveRevision ?? 0) < desired.revision) {
        const changed = await db.service.findUnique({
          where: { name: desired.name },
          select: { updatedAt: true, syncs: { where: { gatewayId: target.id ?? "", pushedRevision: { gte: desired.revision } }, select: { ok: true } } },
        });
        // The push of this revision to this gateway is recorded as done: nothing is in flight.
        if (changed && changed.syncs.length === 0 && Date.now() - changed.updatedAt.getTime() < opts.settleMs) {
          report.services.push({ service: desired.name, revision: desired.revision, drift: "settling", outcome: null, eventId: null });
          continue;
        }
      }
      if (drift.kind === "ahead") {
        // A change committed after `fresh` was read, whose push landed before the GET above,
        // looks the same: only a revision the database still has not issued is "ahead".
        const now = await db.service.findUnique({ where: { name: desired.name }, select: { revision: true } });
        if (!now) continue;
        if (now.revision >= drift.liveRevision!) {
          report.services.push({ service: desired.name, revision: now.revision, drift: "settling", outcome: null, eventId: null });
          continue;
        }
        log.warn("sync.gateway_ahead", { gateway: target.name, service: desired.name, live: drift.liveRevision, desired: desired.revision });
      }
    }
    if (drift.kind === "in_sync") {
      report.services.push({ service: desired.name, revision: desired.revision, drift: drift.kind, outcome: null, eventId: null });
      continue;
    }
    const reason = SYNC_REASONS[drift.kind === "content" && drift.fields.join() === "managed_by" ? "unmarked" : drift.kind];
    const syncEvent = (tx: Tx, e: { before: Prisma.InputJsonValue; after: Prisma.InputJsonValue; reason: string }) =>
      auditChange(tx, actor, { action: "service.sync", targetType: "service", targetName: desired.name, serviceName: desired.name, ...e });
    const before = {
      gateway: target.name,
      drift: drift.kind,
      fields: drift.fields,
      changes: drift.changes.slice(0, MAX_AUDITED_CHANGES) as unknown as Prisma.InputJsonValue,
      revision: drift.liveRevision,
    };
    const last = opts.streaks && target.id
      ? await db.gatewaySync.findUnique({ where: { gatewayId_serviceId: { gatewayId: target.id, serviceId: desired.id } }, select: { ok: true, lastSuccessAt: true } })
      : null;
    if (last && !last.ok) {
      const pushed = await pushService(db, desired.name, { targets: [target] });
      const outcome = pushed.outcomes[0] ?? null;
      let eventId: bigint | null = null;
      // The push landed: a failure to write its event is logged, not a failed push.
      if (outcome?.ok) {
        eventId = await db.$transaction(async (tx) => {
          const event = await syncEvent(tx, {
            before: { ...before, lastSuccessAt: last.lastSuccessAt?.toISOString() ?? null },
            after: serviceJson({ ...desired, revision: pushed.revision }),
            reason: `${reason}; ${RECOVERED}`,
          });
          await appendAuditOutcomes(tx, event.id, [outcome]);
          return event.id;
        }).catch((e: unknown) => {
          log.error("sync.audit_failed", { gateway: target.name, service: desired.name, error: e instanceof Error ? e.message : String(e) });
          return null;
        });
      }
      report.services.push({ service: desired.name, revision: pushed.revision, drift: drift.kind, outcome, eventId: eventId?.toString() ?? null });
      continue;
    }
    const eventId = await db.$transaction(async (tx) => (await syncEvent(tx, { before, after: serviceJson(desired), reason })).id);
    const pushed = await pushService(db, desired.name, { eventId, targets: [target] });
    report.services.push({ service: desired.name, revision: pushed.revision, drift: drift.kind, outcome: pushed.outcomes[0] ?? null, eventId: eventId.toString() });
  }
  return report;
}
