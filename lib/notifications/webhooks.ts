// Webhook management: ADMIN only (the actions check "webhooks.write"), every change audited
// (targetType "webhook"); the URL and secrets are stored encrypted, the audit log and the UI
// see only scheme://host/…; the signing secret is returned once, at creation or rotation.
import { encrypt } from "@/lib/crypto";
import { AppError, isUniqueViolation } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db, Tx } from "@/lib/db";
import { newPayload, publicUrl } from "./events";
import { deliverDue, outboxOptionsFromEnv } from "./outbox";
import { checkWebhookUrl, displayUrl } from "./policy";
import type { CreateWebhookInput, UpdateWebhookInput } from "./schema";
import { newWebhookSecret } from "./signer";

export type WebhookView = {
  id: string;
  name: string;
  format: string;
  urlDisplay: string;
  serviceName: string | null;
  events: string[];
  locale: string;
  enabled: boolean;
  hasSignSecret: boolean;
  createdBy: string;
  createdAt: Date;
};

type Row = Awaited<ReturnType<Db["webhook"]["findFirstOrThrow"]>>;

export function viewOf(w: Row): WebhookView {
  return {
    id: w.id,
    name: w.name,
    format: w.format,
    urlDisplay: w.urlDisplay,
    serviceName: w.serviceName,
    events: w.events,
    locale: w.locale,
    enabled: w.enabled,
    hasSignSecret: w.signSecretEnc !== null,
    createdBy: w.createdBy,
    createdAt: w.createdAt,
  };
}

/** What the audit log keeps of a webhook: never the URL's path/query or a secret. */
function auditView(w: WebhookView) {
  return { name: w.name, format: w.format, url: w.urlDisplay, serviceName: w.serviceName, events: w.events, locale: w.locale, enabled: w.enabled, signSecret: w.hasSignSecret };
}

async function audit(tx: Tx, actor: Actor, action: string, name: string, before: WebhookView | null, after: WebhookView | null) {
  await auditChange(tx, actor, {
    action,
    targetType: "webhook",
    targetName: name,
    serviceName: after?.serviceName ?? before?.serviceName ?? null,
    before: before ? auditView(before) : null,
    after: after ? auditView(after) : null,
  });
}

function nameTaken(name: string): AppError {
  return new AppError("conflict", `webhook ${name} exists`, { fieldErrors: { name: ["validation.webhookNameTaken"] } });
}

export async function listWebhooks(db: Db): Promise<WebhookView[]> {
  return (await db.webhook.findMany({ orderBy: { name: "asc" } })).map(viewOf);
}

export async function createWebhook(db: Db, actor: Actor, input: CreateWebhookInput): Promise<{ webhook: WebhookView; secret: string }> {
  const url = checkWebhookUrl(input.url);
  if (!url.ok) throw new AppError("invalid_input", "bad webhook url", { fieldErrors: { url: ["validation.webhookUrl"] } });
  const secret = newWebhookSecret();
  try {
    const webhook = await db.$transaction(async (tx) => {
      const row = await tx.webhook.create({
        data: {
          name: input.name,
          format: input.format,
          urlEnc: encrypt(url.url.toString()),
          urlDisplay: displayUrl(url.url),
          serviceName: input.serviceName,
          events: input.events,
          locale: input.locale,
          enabled: input.enabled,
          secretEnc: encrypt(secret),
          signSecretEnc: input.signSecret ? encrypt(input.signSecret) : null,
          createdBy: actor.email,
        },
      });
      const view = viewOf(row);
      await audit(tx, actor, "webhook.create", row.name, null, view);
      return view;
    });
    return { webhook, secret };
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(input.name);
    throw e;
  }
}

async function load(db: Db | Tx, id: string): Promise<Row> {
  const w = await db.webhook.findUnique({ where: { id } });
  if (!w) throw new AppError("not_found", `webhook ${id} not found`, { params: { webhook: id } });
  return w;
}

export async function updateWebhook(db: Db, actor: Actor, input: UpdateWebhookInput): Promise<WebhookView> {
  try {
    return await db.$transaction(async (tx) => {
      const before = await load(tx, input.id);
      const url = input.url ? checkWebhookUrl(input.url) : null;
      if (url && !url.ok) throw new AppError("invalid_input", "bad webhook url", { fieldErrors: { url: ["validation.webhookUrl"] } });
      const row = await tx.webhook.update({
        where: { id: input.id },
        data: {
          name: input.name,
          format: input.format,
          serviceName: input.serviceName,
          events: input.events,
          locale: input.locale,
          enabled: input.enabled,
          ...(url?.ok ? { urlEnc: encrypt(url.url.toString()), urlDisplay: displayUrl(url.url) } : {}),
          ...(input.clearSignSecret ? { signSecretEnc: null } : input.signSecret ? { signSecretEnc: encrypt(input.signSecret) } : {}),
        },
      });
      const view = viewOf(row);
      await audit(tx, actor, "webhook.update", row.name, viewOf(before), { ...view, urlDisplay: url?.ok ? `${view.urlDisplay} (new URL)` : view.urlDisplay });
      return view;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(input.name);
    throw e;
  }
}

/** A new signing secret, returned once; the old one stops working immediately. */
export async function rotateWebhookSecret(db: Db, actor: Actor, id: string): Promise<{ secret: string }> {
  const secret = newWebhookSecret();
  await db.$transaction(async (tx) => {
    const w = await load(tx, id);
    await tx.webhook.update({ where: { id }, data: { secretEnc: encrypt(secret) } });
    await audit(tx, actor, "webhook.rotate_secret", w.name, viewOf(w), viewOf(w));
  });
  return { secret };
}

export async function deleteWebhook(db: Db, actor: Actor, id: string): Promise<{ name: string }> {
  return db.$transaction(async (tx) => {
    const w = await load(tx, id);
    await tx.webhook.delete({ where: { id } });
    await audit(tx, actor, "webhook.delete", w.name, viewOf(w), null);
    return { name: w.name };
  });
}

/**
 * "Send test": queues a webhook.test event for this webhook only and sends it now; the result
 * is in the delivery log (retried like any delivery when it fails). Audited.
 */
export async function sendTestWebhook(db: Db, actor: Actor, id: string): Promise<{ deliveryId: string; status: "DELIVERED" | "PENDING" | "FAILED"; lastStatus: number | null; lastError: string | null }> {
  const deliveryId = await db.$transaction(async (tx) => {
    const w = await load(tx, id);
    const payload = newPayload("webhook.test", { service: w.serviceName, actor: { email: actor.email, role: actor.role }, url: publicUrl("/settings/notifications") });
    const d = await tx.webhookDelivery.create({ data: { webhookId: w.id, event: payload.type, eventId: payload.id, payload: payload as unknown as Prisma.InputJsonValue } });
    await audit(tx, actor, "webhook.test", w.name, null, viewOf(w));
    return d.id;
  });
  await deliverDue(db, outboxOptionsFromEnv(), [deliveryId]);
  const d = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
  return { deliveryId: String(d.id), status: d.status, lastStatus: d.lastStatus, lastError: d.lastError };
}

export type DeliveryView = {
  id: string;
  event: string;
  eventId: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
  attemptLog: unknown;
};

/** The newest deliveries of a webhook (the delivery log). */
export async function listDeliveries(db: Db, webhookId: string, take = 50): Promise<DeliveryView[]> {
  const rows = await db.webhookDelivery.findMany({ where: { webhookId }, orderBy: { id: "desc" }, take });
  return rows.map((d) => ({
    id: String(d.id),
    event: d.event,
    eventId: d.eventId,
    status: d.status,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    nextAttemptAt: d.status === "PENDING" ? d.nextAttemptAt.toISOString() : null,
    attemptLog: d.attemptLog,
  }));
}


