import "server-only";
// One reconciliation pass: every gateway's live state is compared with the desired state in
// the database, and each service that is missing or differs there is pushed again — also
// where the gateway is ahead of the database (the database is the authority). The work is
// syncGateway's (./sync.ts): the same drift test, the same push (desired state read fresh,
// If-Match, never over a newer push of the same service), the same audit action (service.sync:
// one event per gateway and pass, a failure listed once per streak). Each gateway's sync holds
// its lease (./lease.ts): a gateway that just enrolled and is being filled is left to that sync.
import type { GatewayTarget } from "@/lib/gateways/fanout";
import { log } from "@/lib/log";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { loadAllDesired, type StoredService } from "@/lib/services/read";
import { SYNC_BUSY, withSyncLeases } from "./lease";
import { forgetGatewaysBut } from "./summary";
import { syncGateway, type GatewaySyncReport } from "./sync";
import { loadGatewayTargets } from "@/lib/gateways/targets";

export type GatewayReconcile = {
  gatewayId: string;
  gatewayName: string;
  /** The gateway could not be read (or the pass failed there); nothing was pushed to it. */
  error: { code: string; message: string } | null;
  /** Services pushed because they were missing or differed. */
  repaired: { service: string; drift: string; ok: boolean; code: string | null; eventId: string | null }[];
  inSync: number;
  /** Changed too recently to tell a lost push from one in flight: left for a later pass. */
  settling: number;
  /** Another sync of this gateway was running (its first sync after enrolling): left to it,
   * with `error` SYNC_BUSY (not checked by this pass, so not reported as in sync). */
  busy?: boolean;
};

export type ReconcileReport = {
  startedAt: string;
  durationMs: number;
  gateways: GatewayReconcile[];
  /** Successful pushes in this pass. */
  repairs: number;
  /** Failed pushes plus unreadable gateways. */
  failures: number;
};

function summarize(r: GatewaySyncReport): GatewayReconcile {
  const repaired = r.services
    .filter((s) => s.outcome)
    .map((s) => ({ service: s.service, drift: s.drift, ok: s.outcome!.ok, code: s.outcome!.code, eventId: s.eventId }));
  return { gatewayId: r.gatewayId, gatewayName: r.gatewayName, error: r.error, repaired, inSync: r.services.filter((s) => s.drift === "in_sync").length, settling: r.services.filter((s) => s.drift === "settling").length };
}

/**
 * Records that a gateway was seen holding exactly the desired revision of these services, so
 * the sync status shows ok (and when) even when no push was needed — e.g. after a failed push
 * whose change reached the gateway anyway. Never moves a row back to an older revision, unless
 * the row names one the database has not issued (restored from an older backup).
 */
async function markInSync(db: Db, gatewayId: string, seen: readonly { service: string; revision: number }[]): Promise<void> {
  if (!seen.length) return;
  const names = seen.map((s) => s.service);
  const revisions = seen.map((s) => s.revision);
  await db.$executeRaw`
    INSERT INTO "GatewaySync" ("gatewayId", "serviceId", "pushedRevision", "ok", "lastError", "lastAttemptAt", "lastSuccessAt")
    SELECT ${gatewayId}, s."id", v.revision, true, NULL, now(), now()
    FROM unnest(${names}::text[], ${revisions}::int[]) AS v(name, revision)
    JOIN "Service" s ON s."name" = v.name
    LEFT JOIN "GatewaySync" g ON g."gatewayId" = ${gatewayId} AND g."serviceId" = s."id"
    -- A row that says ok at this revision already is not touched (most of them, at rest).
    WHERE g."gatewayId" IS NULL OR NOT (g."ok" AND g."pushedRevision" = v.revision)
    ON CONFLICT ("gatewayId", "serviceId") DO UPDATE SET
      "pushedRevision" = EXCLUDED."pushedRevision",
      "ok" = true,
      "lastError" = NULL,
      "lastSuccessAt" = now()
    WHERE "GatewaySync"."pushedRevision" < EXCLUDED."pushedRevision"
       OR ("GatewaySync"."pushedRevision" = EXCLUDED."pushedRevision" AND NOT "GatewaySync"."ok")
       OR "GatewaySync"."pushedRevision" > (SELECT "revision" FROM "Service" WHERE "id" = EXCLUDED."serviceId")`;
}

/**
 * A change younger than this is left to its own push (which may be in flight, up to the 2 s
 * push timeout) instead of being "repaired" twice.
 */
export const SETTLE_MS = 3000;

async function reconcileGateway(db: Db, actor: Actor, target: GatewayTarget, settleMs: number, desired: readonly StoredService[]): Promise<GatewayReconcile> {
  let report: GatewaySyncReport;
  try {
    report = await syncGateway(db, actor, target, { settleMs, streaks: true, desired });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.error("reconcile.gateway_failed", { gateway: target.name, error: message });
    return { gatewayId: target.id ?? "", gatewayName: target.name, error: { code: "reconcile_failed", message }, repaired: [], inSync: 0, settling: 0 };
  }
  // Bookkeeping only: when the database goes away now, the pushes above still happened and
  // the report says so.
  try {
    if (!report.error && target.id) {
      await markInSync(db, target.id, report.services.filter((s) => s.drift === "in_sync"));
      // An observation, like the gateways page's probe: no audit event.
      await db.gateway.update({ where: { id: target.id }, data: { lastSeenAt: new Date(), lastError: null } });
    } else if (report.error && target.id) {
      await db.gateway.update({ where: { id: target.id }, data: { lastError: `${report.error.code}: ${report.error.message}`.slice(0, 500) } });
    }
  } catch (e) {
    log.error("reconcile.record_failed", { gateway: target.name, error: e instanceof Error ? e.message : String(e) });
  }
  return summarize(report);
}

// One pass at a time per process: a "reconcile now" during a timed pass waits for it, then runs.
const state = ((globalThis as unknown as { graylaneReconcile?: { running: Promise<ReconcileReport> | null } }).graylaneReconcile ??= { running: null });

/**
 * Reconciles `targets` in parallel (a dead gateway costs its own timeout, not everyone's),
 * each under its sync lease; a gateway whose lease another sync holds is skipped (busy).
 */
export async function reconcileGateways(db: Db, actor: Actor, targets: readonly GatewayTarget[], settleMs: number): Promise<GatewayReconcile[]> {
  return withSyncLeases(db, targets.flatMap((t) => (t.id ? [t.id] : [])), async (leased) => {
    // Every service's desired state, read once for all the gateways.
    const desired = await loadAllDesired(db);
    return Promise.all(
      targets.map((t) =>
        t.id && !leased.has(t.id)
          ? { gatewayId: t.id, gatewayName: t.name, error: { ...SYNC_BUSY }, repaired: [], inSync: 0, settling: 0, busy: true }
          : reconcileGateway(db, actor, t, settleMs, desired),
      ),
    );
  });
}

async function pass(db: Db, actor: Actor, settleMs: number): Promise<ReconcileReport> {
  const started = Date.now();
  const targets = await loadGatewayTargets(db);
  forgetGatewaysBut(targets);
  const gateways = await reconcileGateways(db, actor, targets, settleMs);
  const repairs = gateways.reduce((n, g) => n + g.repaired.filter((r) => r.ok).length, 0);
  const failures = gateways.reduce((n, g) => n + g.repaired.filter((r) => !r.ok).length + (g.error ? 1 : 0), 0);
  const report: ReconcileReport = { startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, gateways, repairs, failures };
  if (repairs || failures) {
    log.info("reconcile.pass", {
      repairs,
      failures,
      durationMs: report.durationMs,
      gateways: gateways.map((g) => ({ gateway: g.gatewayName, error: g.error?.code ?? null, repaired: g.repaired.map((r) => `${r.service}:${r.drift}:${r.ok ? "ok" : r.code}`) })),
    });
  }
  return report;
}

/**
 * Brings every gateway to the desired state. Repairs are audited as service.sync by `actor`:
 * the system for the background loop, the person who asked for "reconcile now".
 */
export async function reconcileOnce(db: Db, actor: Actor = SYSTEM_ACTOR, opts: { settleMs?: number } = {}): Promise<ReconcileReport> {
  while (state.running) await state.running.catch(() => undefined);
  const p = pass(db, actor, opts.settleMs ?? SETTLE_MS);
  state.running = p;
  try {
    return await p;
  } finally {
    if (state.running === p) state.running = null;
  }
}

/**
 * The first sync of a gateway that has just enrolled, started by the enrollment call without
 * waiting for it (the gateway is answered first): the gateway holds its group's services
 * within this sync, not one reconcile interval later. Under the gateway's lease like a pass:
 * when a pass is syncing it, this one is left out. Nothing settles by default: a gateway that
 * has just announced itself was not there for the pushes of recent changes (one that started
 * after its row existed only writes the same revision again, If-Match). Never throws: the
 * next pass repairs what it could not.
 */
export async function reconcileEnrolled(db: Db, gatewayId: string, opts: { settleMs?: number } = {}): Promise<GatewayReconcile | null> {
  try {
    const [report] = await reconcileGateways(db, SYSTEM_ACTOR, await loadGatewayTargets(db, { id: gatewayId }), opts.settleMs ?? 0);
    if (report) log.info("reconcile.enrolled", { gateway: report.gatewayName, busy: report.busy ?? false, error: report.error?.code ?? null, repaired: report.repaired.filter((r) => r.ok).length, failed: report.repaired.filter((r) => !r.ok).length });
    return report ?? null;
  } catch (e) {
    log.error("reconcile.enrolled_failed", { gatewayId, error: e instanceof Error ? e.message : String(e) });
    return null;
  }
}
