// The events Graylane notifies about and the JSON payload every webhook receives (the generic
// format posts it as is; the chat formats render it as text). Documented in openapi/ under
// `webhooks:`. Events are written to the outbox (WebhookDelivery) inside the transaction that
// made the change, so a notification exists exactly when the change committed.
import { randomUUID } from "node:crypto";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { EventType } from "./constants";

export { EVENT_TYPES, type EventType } from "./constants";
/** "webhook.test" is only ever sent by "send test", whatever the webhook subscribes to. */
export type DeliveredEventType = EventType | "webhook.test";

export type RollbackReasonCode = { code: string; params: Record<string, unknown> };

export type NotificationPayload = {
  /** Unique per event (the same for every webhook that receives it): deduplicate on it. */
  id: string;
  type: DeliveredEventType;
  occurredAt: string;
  service: string | null;
  release: {
    id: string;
    version: string | null;
    percent: number | null;
    step: number | null;
    previousPercent: number | null;
    targets: string[] | null;
  } | null;
  actor: { email: string; role: string } | null;
  /** release.approval_requested: the request an approver decides (GET /api/v1/releases/{id}/approval). */
  approval?: { id: string; kind: "step" | "promote"; percent: number | null } | null;
  /** Rollbacks: the reason; automatic ones carry the analyzer's codes and measurements. */
  reason: { text: string | null; automatic: boolean; codes: RollbackReasonCode[] } | null;
  gateway: { id: string; name: string; outOfSyncSince: string; status: string; failing: { service: string; error: string | null }[]; lastError: string | null } | null;
  /** The audit event of the change (releases), for cross-reference with the portal's audit log. */
  auditEventId: string | null;
  /** Link to the page in the portal, when GRAYLANE_PUBLIC_URL is set. */
  url: string | null;
};

export function publicUrl(path: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const base = (env.GRAYLANE_PUBLIC_URL ?? "").trim().replace(/\/+$/, "");
  return base ? `${base}${path}` : null;
}

export function newPayload(type: DeliveredEventType, fields: Partial<Omit<NotificationPayload, "id" | "type" | "occurredAt">>, at = new Date()): NotificationPayload {
  return {
    id: randomUUID(),
    type,
    occurredAt: at.toISOString(),
    service: null,
    release: null,
    actor: null,
    reason: null,
    gateway: null,
    auditEventId: null,
    url: null,
    ...fields,
  };
}

type OutboxTx = Pick<Prisma.TransactionClient, "webhook" | "webhookDelivery">;

/**
 * Queues `payload` for every enabled webhook that subscribes to its type and covers its
 * service (a webhook without a service covers all). Call inside the change's transaction.
 * Returns the number of deliveries queued.
 */
export async function emit(tx: OutboxTx, payload: NotificationPayload): Promise<number> {
  const hooks = await tx.webhook.findMany({
    where: {
      enabled: true,
      events: { has: payload.type },
      OR: [{ serviceName: null }, ...(payload.service ? [{ serviceName: payload.service }] : [])],
    },
    select: { id: true },
  });
  if (!hooks.length) return 0;
  const data = hooks.map((h) => ({ webhookId: h.id, event: payload.type, eventId: payload.id, payload: payload as unknown as Prisma.InputJsonValue }));
  const r = await tx.webhookDelivery.createMany({ data });
  return r.count;
}
