// The outbox worker's work: claim due deliveries, send each, record the attempt. A failed
// attempt (network error, timeout, non-2xx) is retried after base · 2^(attempt-1) ms (capped),
// until the attempt limit; then the delivery is FAILED and stays in the log.
import { decrypt } from "@/lib/crypto";
import type { Prisma } from "@/lib/generated/prisma/client";
import { httpRequest } from "@/lib/http-request";
import { log } from "@/lib/log";
import type { Db } from "@/lib/db";
import type { NotificationPayload } from "./events";
import { buildRequest, type WebhookFormatName } from "./formats";
import { webhookAllowList } from "./policy";

export type OutboxOptions = {
  /** First retry delay; doubles per attempt. */
  backoffMs: number;
  maxBackoffMs: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Deliveries per pass. */
  batch: number;
};

export function outboxOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): OutboxOptions {
  const n = (name: string, dflt: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === "") return dflt;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}".`);
    return v;
  };
  return {
    backoffMs: n("GRAYLANE_WEBHOOK_BACKOFF_MS", 10_000, 1),
    maxBackoffMs: n("GRAYLANE_WEBHOOK_MAX_BACKOFF_MS", 3_600_000, 1),
    maxAttempts: n("GRAYLANE_WEBHOOK_MAX_ATTEMPTS", 8, 1),
    timeoutMs: n("GRAYLANE_WEBHOOK_TIMEOUT_MS", 5000, 100),
    batch: 20,
  };
}

export function retryDelayMs(attempt: number, o: Pick<OutboxOptions, "backoffMs" | "maxBackoffMs">): number {
  return Math.min(o.maxBackoffMs, o.backoffMs * 2 ** Math.max(0, attempt - 1));
}

export type AttemptRecord = { at: string; status: number | null; error: string | null; durationMs: number; retryInMs: number | null };

/** A claim keeps other passes (and other processes) off a delivery while it is in flight. */
const LEASE_MS = 60_000;

/**
 * Claims up to `limit` due deliveries (all of `ids` when given, due or not): their next attempt
 * moves a lease ahead, so a concurrent pass skips them. Returns the claimed ids.
 */
async function claim(db: Db, limit: number, ids?: bigint[]): Promise<bigint[]> {
  const rows = ids
    ? await db.$queryRaw<{ id: bigint }[]>`
        UPDATE "WebhookDelivery" SET "nextAttemptAt" = now() + make_interval(secs => ${LEASE_MS / 1000})
        WHERE "id" = ANY(${ids}::bigint[]) AND "status" = 'PENDING' RETURNING "id"`
    : await db.$queryRaw<{ id: bigint }[]>`
        UPDATE "WebhookDelivery" SET "nextAttemptAt" = now() + make_interval(secs => ${LEASE_MS / 1000})
        WHERE "id" IN (SELECT "id" FROM "WebhookDelivery" WHERE "status" = 'PENDING' AND "nextAttemptAt" <= now()
                       ORDER BY "nextAttemptAt", "id" LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING "id"`;
  return rows.map((r) => r.id);
}

function errorText(e: unknown): string {
  const err = e as { code?: string; message?: string; name?: string };
  if (err?.name === "AddressNotAllowedError") return `address not allowed by GRAYLANE_WEBHOOK_ALLOW: ${(e as { addresses?: string[] }).addresses?.join(", ") ?? ""}`;
  return (err?.code ? `${err.code}: ` : "") + (err?.message ?? String(e));
}

async function attempt(db: Db, id: bigint, o: OutboxOptions): Promise<"delivered" | "retry" | "failed" | "gone"> {
  const d = await db.webhookDelivery.findUnique({ where: { id }, include: { webhook: true } });
  if (!d || d.status !== "PENDING") return "gone";
  const started = Date.now();
  let status: number | null = null;
  let error: string | null = null;
  try {
    const w = d.webhook;
    const req = buildRequest(
      {
        format: w.format as WebhookFormatName,
        url: decrypt(w.urlEnc),
        secret: decrypt(w.secretEnc),
        signSecret: w.signSecretEnc ? decrypt(w.signSecretEnc) : null,
        locale: w.locale,
      },
      d.payload as unknown as NotificationPayload,
      String(d.id),
    );
    const res = await httpRequest(req.url, { method: "POST", headers: req.headers, body: req.body, timeoutMs: o.timeoutMs, allow: webhookAllowList() });
    status = res.status;
    if (res.status < 200 || res.status >= 300) error = `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
    // Feishu and DingTalk answer 200 with an error code in the body (bad sign, keyword, rate limit).
    else if (w.format === "feishu" || w.format === "dingtalk") error = robotError(res.text);
  } catch (e) {
    error = errorText(e);
  }
  const durationMs = Date.now() - started;
  const attempts = d.attempts + 1;
  const ok = error === null;
  const give = !ok && attempts >= o.maxAttempts;
  const retryInMs = ok || give ? null : retryDelayMs(attempts, o);
  const record: AttemptRecord = { at: new Date(started).toISOString(), status, error, durationMs, retryInMs };
  const logList = [...((d.attemptLog as unknown as AttemptRecord[]) ?? []), record];
  await db.webhookDelivery.update({
    where: { id },
    data: {
      attempts,
      attemptLog: logList as unknown as Prisma.InputJsonValue,
      lastStatus: status,
      lastError: error,
      status: ok ? "DELIVERED" : give ? "FAILED" : "PENDING",
      deliveredAt: ok ? new Date() : null,
      nextAttemptAt: new Date(Date.now() + (retryInMs ?? 0)),
    },
  });
  if (!ok) log.warn("webhook.delivery_failed", { webhook: d.webhook.name, delivery: String(id), eventType: d.event, attempt: attempts, status, error, retryInMs });
  return ok ? "delivered" : give ? "failed" : "retry";
}

function robotError(text: string): string | null {
  try {
    const j = JSON.parse(text) as { code?: unknown; errcode?: unknown; msg?: unknown; errmsg?: unknown; StatusCode?: unknown };
    const code = j.code ?? j.errcode ?? j.StatusCode;
    if (code === undefined || code === 0) return null;
    return `robot error ${String(code)}: ${String(j.msg ?? j.errmsg ?? "")}`.slice(0, 300);
  } catch {
    return null;
  }
}

/** One pass: every due delivery (up to the batch), or exactly `ids` (send test). */
export async function deliverDue(db: Db, o: OutboxOptions = outboxOptionsFromEnv(), ids?: bigint[]): Promise<{ delivered: number; retry: number; failed: number }> {
  const claimed = await claim(db, o.batch, ids);
  const out = { delivered: 0, retry: 0, failed: 0 };
  // In parallel: one slow receiver costs its own timeout, not everyone's.
  const results = await Promise.all(claimed.map((id) => attempt(db, id, o)));
  for (const r of results) if (r !== "gone") out[r]++;
  return out;
}
