// The release flow's one hook (lib/releases/mutations.ts commit()): maps the audited release
// change to its notification and queues it in the same transaction.
import type { Prisma } from "@/lib/generated/prisma/client";
import { emit, newPayload, publicUrl, type EventType, type RollbackReasonCode } from "./events";

const EVENT_OF: Record<string, EventType | undefined> = {
  "release.start": "release.started",
  "release.step": "release.step",
  "release.promote": "release.promoted",
  "release.rollback": "release.rolled_back",
};

type ReleaseChange = {
  action: string;
  service: string;
  releaseId: string;
  actor: { email: string; role: string };
  reason: string | null;
  /** The audit event's extra detail ({ release: {...}, automatic?: {...} }). */
  detail: Record<string, unknown>;
  auditEventId: bigint | string;
};

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export async function emitReleaseChange(tx: Pick<Prisma.TransactionClient, "webhook" | "webhookDelivery">, c: ReleaseChange): Promise<number> {
  const type = EVENT_OF[c.action];
  if (!type) return 0;
  const r = (c.detail.release ?? {}) as Record<string, unknown>;
  const automatic = c.detail.automatic as { reasons?: unknown; percent?: unknown } | undefined;
  const codes: RollbackReasonCode[] = Array.isArray(automatic?.reasons) ? (automatic!.reasons as RollbackReasonCode[]) : [];
  return emit(
    tx,
    newPayload(type, {
      service: c.service,
      release: {
        id: c.releaseId,
        version: typeof r.version === "string" ? r.version : null,
        percent: num(r.percent) ?? num(automatic?.percent),
        step: num(r.step),
        previousPercent: num(r.previousPercent),
        targets: Array.isArray(r.targets) ? (r.targets as string[]) : null,
      },
      actor: { email: c.actor.email, role: c.actor.role },
      reason: type === "release.rolled_back" ? { text: c.reason, automatic: automatic !== undefined, codes } : null,
      auditEventId: String(c.auditEventId),
      url: publicUrl(`/releases/${encodeURIComponent(c.releaseId)}`),
    }),
  );
}
