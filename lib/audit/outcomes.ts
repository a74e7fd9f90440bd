// Recording what each gateway did after an audited change, inside the audit chain: the
// outcome rows and, in the same transaction, an "audit.outcomes" event that seals them
// (their ids and a digest of their content, keyed through the chain). A row changed,
// added or removed afterwards no longer matches a seal (lib/audit/verify.ts).
import { appendAuditEvent, lockAuditChain, OUTCOMES_ACTION, outcomesDigest, type AuditOutcomeRow, type AuditTx } from "./chain";
import type { AuditKeyring } from "./keys";

/** One gateway's outcome as the push reports it; the database adds id, eventId and createdAt. */
export type AuditOutcomeInput = Omit<AuditOutcomeRow, "id" | "eventId" | "createdAt">;

/** The `after` of an "audit.outcomes" event. */
export type OutcomeSeal = { eventId: string; outcomeIds: string[]; digest: string };

/**
 * Appends the outcomes of event `eventId` and their seal, in the caller's transaction.
 * The chain lock is taken before the rows are inserted, so outcome ids grow in seal order.
 */
export async function appendAuditOutcomes(
  tx: AuditTx,
  eventId: bigint,
  outcomes: readonly AuditOutcomeInput[],
  ring?: AuditKeyring,
): Promise<void> {
  if (!outcomes.length) return;
  await lockAuditChain(tx);
  const rows = await tx.auditOutcome.createManyAndReturn({
    data: outcomes.map((o) => ({
      eventId,
      gatewayId: o.gatewayId,
      gatewayName: o.gatewayName,
      ok: o.ok,
      status: o.status,
      code: o.code,
      message: o.message,
      durationMs: o.durationMs,
    })),
  });
  const seal: OutcomeSeal = {
    eventId: eventId.toString(),
    outcomeIds: rows.map((r) => r.id).sort((a, b) => (a < b ? -1 : 1)).map(String),
    digest: outcomesDigest(rows),
  };
  const failed = rows.filter((r) => !r.ok).length;
  await appendAuditEvent(
    tx,
    {
      actorId: null,
      actorEmail: "system",
      actorRole: "SYSTEM",
      userAgent: "graylane",
      action: OUTCOMES_ACTION,
      targetType: "audit_event",
      targetName: eventId.toString(),
      reason: `${rows.length} gateway outcome${rows.length === 1 ? "" : "s"} of event #${eventId}${failed ? `, ${failed} failed` : ""}`,
      after: seal,
    },
    ring,
  );
}
