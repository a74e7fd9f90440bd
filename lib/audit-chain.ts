// Tamper evidence for the audit log (issue 5).
//
// Every AuditEvent carries `hash` = SHA-256 (hex) of the canonical JSON of
// { prevHash, event } where
//   prevHash  the previous event's `hash` (by id), or null for the first event;
//   event     the event's content fields, exactly these and no others:
//             createdAt (ISO 8601 UTC, milliseconds), actorId, actorEmail,
//             actorRole, clientIp, userAgent, action, targetType, targetName,
//             serviceName, releaseId, before, after, reason.
// Absent optional fields hash as null. Not hashed: `id` (the chain order is the
// id order and prevHash already fixes each event's place), `hash` itself, and
// the AuditOutcome rows: outcomes are appended after the push that follows the
// event, and the table is protected by the same append-only trigger.
//
// Canonical JSON: object keys sorted by code unit, no whitespace, undefined
// members dropped (as JSON and jsonb drop them), Dates as ISO strings,
// bigints as decimal strings. `before`/`after` go through jsonb, which keeps
// values but not key order or formatting, so sorting keys makes the hash of
// what we insert equal to the hash of what we read back.
//
// Appends are serialised by a transaction-level advisory lock, so ids and the
// chain agree: an appender reads the last hash only after the previous
// appender committed. Call appendAuditEvent from a READ COMMITTED transaction
// (Prisma's default), or before any other read in a stricter one.
import { createHash } from "node:crypto";

import { Prisma } from "./generated/prisma/client";
import type { AuditEvent } from "./generated/prisma/client";

/** pg_advisory_xact_lock key for the audit chain ("GLaudit" as bytes). */
export const AUDIT_CHAIN_LOCK_KEY = 0x474c6175646974n;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Stable JSON: sorted keys, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

function toCanonical(value: unknown): Json | undefined {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (Array.isArray(value)) return value.map((item) => toCanonical(item) ?? null);
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return toCanonical((value as { toJSON(): unknown }).toJSON());
  }
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value as object).sort()) {
    const item = toCanonical((value as Record<string, unknown>)[key]);
    if (item !== undefined) out[key] = item;
  }
  return out;
}

/** The hashed content of an event (see the header). */
export interface AuditEventFields {
  createdAt: Date;
  actorId: string | null;
  actorEmail: string;
  actorRole: string;
  clientIp: string;
  userAgent: string;
  action: string;
  targetType: string;
  targetName: string;
  serviceName: string | null;
  releaseId: string | null;
  before: unknown;
  after: unknown;
  reason: string | null;
}

function hashedFields(event: AuditEventFields) {
  return {
    createdAt: event.createdAt.toISOString(),
    actorId: event.actorId ?? null,
    actorEmail: event.actorEmail,
    actorRole: event.actorRole,
    clientIp: event.clientIp,
    userAgent: event.userAgent,
    action: event.action,
    targetType: event.targetType,
    targetName: event.targetName,
    serviceName: event.serviceName ?? null,
    releaseId: event.releaseId ?? null,
    before: event.before ?? null,
    after: event.after ?? null,
    reason: event.reason ?? null,
  };
}

/** SHA-256 hex of canonicalJson({ prevHash, event: <hashed fields> }). */
export function computeEventHash(prevHash: string | null, event: AuditEventFields): string {
  return createHash("sha256")
    .update(canonicalJson({ prevHash: prevHash ?? null, event: hashedFields(event) }))
    .digest("hex");
}

/** What a caller provides; createdAt defaults to now. */
export interface AuditEventInput {
  actorId?: string | null;
  actorEmail: string;
  actorRole: string;
  clientIp?: string;
  userAgent?: string;
  action: string;
  targetType: string;
  targetName: string;
  serviceName?: string | null;
  releaseId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  createdAt?: Date;
}

/** The part of a Prisma (transaction) client appendAuditEvent uses. */
type AuditTx = Pick<Prisma.TransactionClient, "auditEvent" | "$executeRaw">;

/**
 * Append one event to the chain inside the caller's interactive transaction
 * (`db.$transaction(async (tx) => appendAuditEvent(tx, …))`). The advisory
 * lock is held until that transaction ends.
 */
export async function appendAuditEvent(tx: AuditTx, input: AuditEventInput): Promise<AuditEvent> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
  const prevHash = last?.hash ?? null;

  // Round-trip `before`/`after` through JSON now, so the hash covers exactly
  // what jsonb will store (Dates become strings, undefined members vanish).
  const before = toCanonical(input.before) ?? null;
  const after = toCanonical(input.after) ?? null;
  const fields: AuditEventFields = {
    // TIMESTAMP(3): milliseconds, which a JS Date holds exactly.
    createdAt: input.createdAt ?? new Date(),
    actorId: input.actorId ?? null,
    actorEmail: input.actorEmail,
    actorRole: input.actorRole,
    clientIp: input.clientIp ?? "",
    userAgent: input.userAgent ?? "",
    action: input.action,
    targetType: input.targetType,
    targetName: input.targetName,
    serviceName: input.serviceName ?? null,
    releaseId: input.releaseId ?? null,
    before,
    after,
    reason: input.reason ?? null,
  };
  return tx.auditEvent.create({
    data: {
      ...fields,
      before: before === null ? Prisma.DbNull : (before as Prisma.InputJsonValue),
      after: after === null ? Prisma.DbNull : (after as Prisma.InputJsonValue),
      prevHash,
      hash: computeEventHash(prevHash, fields),
    },
  });
}

export type AuditChainReport =
  | { ok: true; checked: number }
  | { ok: false; checked: number; brokenAt: bigint; code: AuditChainBreak; reason: string };

/** Why a link is broken, as a stable code (the portal translates it). */
export type AuditChainBreak = "missing_hash" | "first_has_prev" | "broken_link" | "content_changed";

/**
 * Walk the whole chain in id order, in batches, and report the first event
 * whose link or content does not check out. `checked` counts the events
 * verified before the broken one (or all of them).
 */
export async function verifyAuditChain(
  db: Pick<Prisma.TransactionClient, "auditEvent">,
  opts: { batchSize?: number } = {},
): Promise<AuditChainReport> {
  const batchSize = opts.batchSize ?? 1000;
  let checked = 0;
  let expectedPrev: string | null = null;
  let afterId: bigint | null = null;
  for (;;) {
    const batch: AuditEvent[] = await db.auditEvent.findMany({
      where: afterId === null ? undefined : { id: { gt: afterId } },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    for (const event of batch) {
      if (!event.hash) {
        return { ok: false, checked, brokenAt: event.id, code: "missing_hash", reason: "the event has no hash" };
      }
      if ((event.prevHash ?? null) !== expectedPrev) {
        return {
          ok: false,
          checked,
          brokenAt: event.id,
          code: expectedPrev === null ? "first_has_prev" : "broken_link",
          reason: expectedPrev === null
            ? "the first event must not point to a previous hash"
            : "prevHash does not match the previous event's hash (an event was removed, inserted or reordered)",
        };
      }
      if (computeEventHash(event.prevHash, event) !== event.hash) {
        return { ok: false, checked, brokenAt: event.id, code: "content_changed", reason: "the event's content does not match its hash (it was changed)" };
      }
      expectedPrev = event.hash;
      checked++;
    }
    if (batch.length < batchSize) return { ok: true, checked };
    afterId = batch[batch.length - 1].id;
  }
}
