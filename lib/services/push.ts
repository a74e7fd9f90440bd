import "server-only";
import { appendAuditOutcomes, type AuditOutcomeInput } from "@/lib/audit/outcomes";
import type { GatewayClient } from "@/lib/gateways/client";
import { isGatewayError } from "@/lib/gateways/errors";
import { fanOut, type FanOutResult, type GatewayTarget } from "@/lib/gateways/fanout";
import type { GatewayState } from "@/lib/gateways/types";
import { AppError } from "@/lib/errors";
import { log } from "@/lib/log";
import type { Db, Tx } from "@/lib/db";
import { hasStableCapable } from "./impact";
import { loadDesired } from "./read";
import { gatewaysForService } from "@/lib/fleet/groups";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { toGatewayState } from "./state";

/**
 * One gateway's result of a push, as shown to people and stored as an AuditOutcome: `status`
 * is the HTTP status of the failing call (null when no answer came back or on success), `code`
 * the gateway's error code or gateway_unreachable / gateway_timeout / superseded (null on
 * success); `version` is the gateway's version of the service after the push.
 */
export type PushOutcome = AuditOutcomeInput & { version: number | null };

export type PushReport = { service: string; revision: number; outcomes: PushOutcome[] };

export type PutResult = {
  version: number | null;
  /** Not written: the gateway holds a newer revision the database has issued since. */
  superseded: { live: number; current: number | null } | null;
  /** Written over a revision the database never issued (the gateway was ahead of it). */
  replacedAhead: number | null;
};

/**
 * Writes the full desired state of one service to one gateway. Reads the live version
 * first and PUTs with If-Match, so a concurrent writer is detected (412): then re-reads
 * and tries once more.
 *
 * A gateway holding a higher revision than `state` is told apart by the database's current
 * revision, read after the gateway's (a push starts only after its revision committed):
 * - the database has moved past `state`: a newer push got there first, and this slower one
 *   must not undo it — superseded, not written;
 * - it has not: the gateway is ahead of the database (written directly, or the database was
 *   restored from an older backup). The database is the authority: written over.
 */
export async function putDesiredState(
  client: GatewayClient,
  state: GatewayState & { revision: number },
  currentRevision: () => Promise<number | null>,
): Promise<PutResult> {
  const force = !hasStableCapable(state.nodes);
  for (let attempt = 0; ; attempt++) {
    const live = await client.getUpstream(state.name);
    let replacedAhead: number | null = null;
    if (live && typeof live.revision === "number" && live.revision > state.revision) {
      const current = await currentRevision();
      if (current === null || current > state.revision) return { version: live.version ?? null, superseded: { live: live.revision, current }, replacedAhead: null };
      replacedAhead = live.revision;
    }
    try {
      const saved = await client.putUpstream(state.name, state, { ifMatch: live?.version, force });
      return { version: saved.version ?? null, superseded: null, replacedAhead };
    } catch (e) {
      if (attempt === 0 && isGatewayError(e) && e.status === 412) continue;
      throw e;
    }
  }
}

/** Outcome code of a push left out because a newer revision supersedes it: never an ok. */
export const SUPERSEDED = "superseded";

export function toOutcome(r: FanOutResult<{ version: number | null; superseded?: PutResult["superseded"]; replacedAhead?: number | null }>): PushOutcome {
  if (r.ok && r.value.superseded) {
    const { live, current } = r.value.superseded;
    const message = current === null ? `the service is gone from the database; the gateway holds revision ${live}` : `the gateway holds revision ${live}, the database is at ${current}: the newer push replaces this one`;
    return { gatewayId: r.gatewayId, gatewayName: r.gatewayName, ok: false, status: null, code: SUPERSEDED, message, durationMs: r.durationMs, version: r.value.version };
  }
  if (r.ok) {
    const message = r.value.replacedAhead ? `gateway ahead of database: its revision ${r.value.replacedAhead} was replaced` : "";
    return { gatewayId: r.gatewayId, gatewayName: r.gatewayName, ok: true, status: null, code: null, message, durationMs: r.durationMs, version: r.value.version };
  }
  return {
    gatewayId: r.gatewayId,
    gatewayName: r.gatewayName,
    ok: false,
    status: r.error.status ?? null,
    code: r.error.code,
    message: r.error.message,
    durationMs: r.durationMs,
    version: null,
  };
}

/**
 * Records what a push did: one AuditOutcome per gateway for the audit event (if any), and
 * the per-(gateway, service) sync row. The sync row never goes back to an older revision,
 * so a late answer of an older push cannot hide a newer one — unless the row names a
 * revision the database has not issued (it was restored from an older backup).
 */
export async function recordOutcomes(
  db: Db,
  input: { eventId: bigint | null; serviceId: string | null; revision: number; outcomes: readonly PushOutcome[] },
): Promise<void> {
  await db.$transaction(async (tx) => {
    if (input.eventId !== null) await appendAuditOutcomes(tx, input.eventId, input.outcomes);
    if (input.serviceId === null) return;
    await recordSyncRows(tx, input.outcomes.flatMap((o) => syncRow(o, input.serviceId!, input.revision)));
  });
}

/** One (gateway, service) sync row of a push outcome; none for a gateway without a row id. */
export type SyncRow = { gatewayId: string; serviceId: string; revision: number; ok: boolean; lastError: string | null };

export function syncRow(o: PushOutcome, serviceId: string, revision: number): SyncRow[] {
  if (!o.gatewayId) return [];
  return [{ gatewayId: o.gatewayId, serviceId, revision, ok: o.ok, lastError: o.ok ? null : `${o.code ?? "error"}: ${o.message}`.slice(0, 1000) }];
}

/** Upserts sync rows (each (gateway, service) at most once), in one statement; see recordOutcomes. */
export async function recordSyncRows(tx: Db | Tx, rows: readonly SyncRow[]): Promise<void> {
  if (!rows.length) return;
  await tx.$executeRaw`
    INSERT INTO "GatewaySync" ("gatewayId", "serviceId", "pushedRevision", "ok", "lastError", "lastAttemptAt", "lastSuccessAt")
    SELECT v.g, v.s, v.r, v.ok, v.err, now(), CASE WHEN v.ok THEN now() ELSE NULL END
    FROM unnest(${rows.map((r) => r.gatewayId)}::text[], ${rows.map((r) => r.serviceId)}::text[], ${rows.map((r) => r.revision)}::int[],
                ${rows.map((r) => r.ok)}::boolean[], ${rows.map((r) => r.lastError)}::text[]) AS v(g, s, r, ok, err)
    ON CONFLICT ("gatewayId", "serviceId") DO UPDATE SET
      "pushedRevision" = EXCLUDED."pushedRevision",
      "ok" = EXCLUDED."ok",
      "lastError" = EXCLUDED."lastError",
      "lastAttemptAt" = EXCLUDED."lastAttemptAt",
      "lastSuccessAt" = COALESCE(EXCLUDED."lastSuccessAt", "GatewaySync"."lastSuccessAt")
    WHERE "GatewaySync"."pushedRevision" <= EXCLUDED."pushedRevision"
       OR "GatewaySync"."pushedRevision" > (SELECT "revision" FROM "Service" WHERE "id" = EXCLUDED."serviceId")`;
}

/**
 * Pushes the current desired state of a service (read fresh from the database) to the
 * given gateways — all of them by default — in parallel, and records each outcome
 * against `eventId`. Reused by retry, sync-now and reconciliation.
 */
export async function pushService(
  db: Db,
  serviceName: string,
  opts: { eventId?: bigint | null; targets?: readonly GatewayTarget[]; timeoutMs?: number } = {},
): Promise<PushReport> {
  const desired = await loadDesired(db, serviceName);
  if (!desired) throw new AppError("not_found", `service ${serviceName} not found`, { params: { service: serviceName } });
  const targets = gatewaysForService(opts.targets ?? (await loadGatewayTargets(db)), desired.groups);
  const state = toGatewayState(desired);
  const currentRevision = async () => (await db.service.findUnique({ where: { name: serviceName }, select: { revision: true } }))?.revision ?? null;
  const results = await fanOut(targets, (client) => putDesiredState(client, state, currentRevision), { timeoutMs: opts.timeoutMs });
  const outcomes = results.map(toOutcome);
  try {
    await recordOutcomes(db, { eventId: opts.eventId ?? null, serviceId: desired.id, revision: desired.revision, outcomes });
  } catch (e) {
    // The gateways changed; failing to record that must not turn into "push failed".
    log.error("push.record_failed", { service: serviceName, error: e instanceof Error ? e.message : String(e) });
  }
  for (const o of outcomes) {
    if (!o.ok) log.warn("push.failed", { service: serviceName, gateway: o.gatewayName, code: o.code, status: o.status, message: o.message });
  }
  return { service: serviceName, revision: desired.revision, outcomes };
}

/** Removes a service from the given gateways (DELETE); a gateway that did not have it counts as done. */
export async function deleteFromGateways(
  db: Db,
  serviceName: string,
  opts: { eventId?: bigint | null; targets?: readonly GatewayTarget[]; timeoutMs?: number } = {},
): Promise<PushOutcome[]> {
  const targets = opts.targets ?? (await loadGatewayTargets(db));
  const results = await fanOut(targets, async (client) => {
    await client.deleteUpstream(serviceName);
    return { version: null };
  }, { timeoutMs: opts.timeoutMs });
  const outcomes = results.map(toOutcome);
  await recordOutcomes(db, { eventId: opts.eventId ?? null, serviceId: null, revision: 0, outcomes }).catch((e: unknown) =>
    log.error("push.record_failed", { service: serviceName, error: e instanceof Error ? e.message : String(e) }),
  );
  return outcomes;
}
