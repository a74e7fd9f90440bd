// The audit chain (issue 5, keyed in issue 11).
//
// Every AuditEvent carries `hash` and `prevHash` (the previous event's `hash` by id, or null
// for the first event). Two rules exist:
//
// v2, keyed (every event written since issue 11; `keyId` is set):
//   hash = HMAC-SHA256(key, canonicalJson({ v: 2, keyId, prevHash, event })) in hex, where
//   key is the GRAYLANE_AUDIT_KEY named by `keyId` (lib/audit/keys.ts). Without the key
//   nobody can compute a valid hash, so an event edited, re-hashed, forged or re-linked by
//   someone who can write the database (its owner, a superuser) does not verify.
// v1, unkeyed (events written before; `keyId` is NULL):
//   hash = SHA-256(canonicalJson({ prevHash, event })). Anybody can recompute it. These
//   events are never rewritten: the first keyed event after them is an "audit.reanchor"
//   event that seals them (their count, head hash and a digest of their outcomes), and
//   verification accepts v1 only before that event (lib/audit/verify.ts).
//
// `event` is the event's content fields, exactly these and no others: createdAt (ISO 8601
// UTC, milliseconds), actorId, actorEmail, actorRole, clientIp, userAgent, action,
// targetType, targetName, serviceName, releaseId, before, after, reason. Absent optional
// fields hash as null. Not hashed: `id` (the chain order is the id order and prevHash
// fixes each event's place) and `hash` itself.
//
// Outcomes (AuditOutcome rows) are written after the push that follows an event, so they
// cannot be in that event's hash. They are sealed by the event that records them: an
// "audit.outcomes" event appended in the same transaction, whose `after` holds the outcome
// ids and a digest of their content (lib/audit/outcomes.ts). Outcome rows are inserted
// while holding the chain lock, so their ids grow in the order of their seals.
//
// Canonical JSON: object keys sorted by code unit, no whitespace, undefined members
// dropped (as JSON and jsonb drop them), Dates as ISO strings, bigints as decimal strings.
// `before`/`after` go through jsonb, which keeps values but not key order or formatting,
// so sorting keys makes the hash of what we insert equal to the hash of what we read back.
//
// Appends are serialised by a transaction-level advisory lock, so ids and the chain
// agree: an appender reads the last hash only after the previous appender committed.
// Call appendAuditEvent from a READ COMMITTED transaction (Prisma's default), or before
// any other read in a stricter one.
import { createHash } from "node:crypto";

import { auditKeyring, hmacHex, type AuditKeyring } from "./keys";

import { Prisma } from "../generated/prisma/client";
import type { AuditEvent, PrismaClient } from "../generated/prisma/client";

/** pg_advisory_xact_lock key for the audit chain ("GLaudit" as bytes). */
export const AUDIT_CHAIN_LOCK_KEY = 0x474c6175646974n;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Stable JSON: sorted keys, no whitespace. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

export function toCanonical(value: unknown): Json | undefined {
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

/**
 * The v1 rule, unkeyed: SHA-256 hex of canonicalJson({ prevHash, event: <hashed fields> }).
 * Only events written before the keyed chain verify with it.
 */
export function computeEventHash(prevHash: string | null, event: AuditEventFields): string {
  return createHash("sha256")
    .update(canonicalJson({ prevHash: prevHash ?? null, event: hashedFields(event) }))
    .digest("hex");
}

/** The v2 rule: HMAC-SHA256 hex, keyed with the audit key `keyId` names. */
export function computeKeyedEventHash(key: Buffer, keyId: string, prevHash: string | null, event: AuditEventFields): string {
  return hmacHex(key, canonicalJson({ v: 2, keyId, prevHash: prevHash ?? null, event: hashedFields(event) }));
}

/** The hashed content of an outcome: every column, the id and event id as decimal strings. */
export type AuditOutcomeRow = {
  id: bigint;
  eventId: bigint;
  gatewayId: string | null;
  gatewayName: string;
  ok: boolean;
  status: number | null;
  code: string | null;
  message: string;
  durationMs: number;
  createdAt: Date;
};

export function outcomeLine(o: AuditOutcomeRow): string {
  return canonicalJson({
    id: o.id.toString(),
    eventId: o.eventId.toString(),
    gatewayId: o.gatewayId ?? null,
    gatewayName: o.gatewayName,
    ok: o.ok,
    status: o.status ?? null,
    code: o.code ?? null,
    message: o.message,
    durationMs: o.durationMs,
    createdAt: o.createdAt.toISOString(),
  });
}

/** Streaming SHA-256 over outcome rows in id order (one canonical line each). */
export class OutcomeDigest {
  private readonly hash = createHash("sha256");
  count = 0;
  add(o: AuditOutcomeRow): void {
    this.hash.update(outcomeLine(o)).update("\n");
    this.count++;
  }
  hex(): string {
    return this.hash.digest("hex");
  }
}

export function outcomesDigest(rows: readonly AuditOutcomeRow[]): string {
  const d = new OutcomeDigest();
  for (const o of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) d.add(o);
  return d.hex();
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

/** Actions the chain itself writes (never shown as someone's change). */
export const REANCHOR_ACTION = "audit.reanchor";
export const OUTCOMES_ACTION = "audit.outcomes";
const SYSTEM = { actorId: null, actorEmail: "system", actorRole: "SYSTEM", clientIp: "", userAgent: "graylane" } as const;

/** The content of the re-anchor event's `after`. */
export type ReanchorSeal = {
  legacyEvents: number;
  legacyHeadId: string;
  legacyHead: string;
  legacyOutcomes: number;
  /** Outcome rows with id ≤ this are sealed by the digest (null: there were none). */
  legacyOutcomesMaxId: string | null;
  legacyOutcomesDigest: string;
};

/** The part of a Prisma (transaction) client the appenders use. */
export type AuditTx = Pick<Prisma.TransactionClient, "auditEvent" | "auditOutcome" | "$executeRaw">;

/** Takes the chain lock until the caller's transaction ends (re-entrant within it). */
export async function lockAuditChain(tx: Pick<Prisma.TransactionClient, "$executeRaw">): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`;
}

function toFields(input: AuditEventInput) {
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
  return fields;
}

async function insertKeyed(tx: AuditTx, ring: AuditKeyring, prevHash: string | null, input: AuditEventInput): Promise<AuditEvent> {
  const fields = toFields(input);
  const { id: keyId, key } = ring.current;
  return tx.auditEvent.create({
    data: {
      ...fields,
      before: fields.before === null ? Prisma.DbNull : (fields.before as Prisma.InputJsonValue),
      after: fields.after === null ? Prisma.DbNull : (fields.after as Prisma.InputJsonValue),
      prevHash,
      keyId,
      hash: computeKeyedEventHash(key, keyId, prevHash, fields),
    },
  });
}

/**
 * Seals the unkeyed (v1) events and their outcomes with one keyed event. Runs under the
 * chain lock when the head of the chain is a v1 event; reads every legacy outcome once.
 */
async function writeReanchor(tx: AuditTx, ring: AuditKeyring, head: { id: bigint; hash: string | null }): Promise<AuditEvent> {
  const legacyEvents = await tx.auditEvent.count({ where: { keyId: null } });
  const digest = new OutcomeDigest();
  let maxId: bigint | null = null;
  for (;;) {
    const batch: AuditOutcomeRow[] = await tx.auditOutcome.findMany({
      where: maxId === null ? undefined : { id: { gt: maxId } },
      orderBy: { id: "asc" },
      take: 5000,
    });
    for (const o of batch) digest.add(o);
    if (batch.length) maxId = batch[batch.length - 1].id;
    if (batch.length < 5000) break;
  }
  const seal: ReanchorSeal = {
    legacyEvents,
    legacyHeadId: head.id.toString(),
    legacyHead: head.hash ?? "",
    legacyOutcomes: digest.count,
    legacyOutcomesMaxId: maxId === null ? null : maxId.toString(),
    legacyOutcomesDigest: digest.hex(),
  };
  return insertKeyed(tx, ring, head.hash, {
    ...SYSTEM,
    action: REANCHOR_ACTION,
    targetType: "audit_chain",
    targetName: `key ${ring.current.id}`,
    reason: `the ${legacyEvents} events written before the keyed audit chain are sealed here; from this event on every event is signed with GRAYLANE_AUDIT_KEY`,
    after: seal,
  });
}

async function chainHead(tx: AuditTx) {
  return tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true, hash: true, keyId: true } });
}

/**
 * Append one event to the chain inside the caller's interactive transaction
 * (`db.$transaction(async (tx) => appendAuditEvent(tx, …))`). The advisory lock is held
 * until that transaction ends. The first append after the upgrade re-anchors the
 * unkeyed events first (see the header). Throws an AuditKeyError when no audit key is
 * configured, so no change is recorded without a signature.
 */
export async function appendAuditEvent(tx: AuditTx, input: AuditEventInput, ring: AuditKeyring = auditKeyring()): Promise<AuditEvent> {
  await lockAuditChain(tx);
  let head = await chainHead(tx);
  if (head && head.keyId === null) head = await writeReanchor(tx, ring, head);
  return insertKeyed(tx, ring, head?.hash ?? null, input);
}

/**
 * Writes the re-anchor event now if the chain still ends with unkeyed events (portal start,
 * `npm run db -- migrate`), so the first user action does not pay for it. Returns its id.
 */
export async function ensureReanchored(
  db: Pick<PrismaClient, "$transaction">,
  ring: AuditKeyring = auditKeyring(),
): Promise<bigint | null> {
  return db.$transaction(
    async (tx) => {
      await lockAuditChain(tx);
      const head = await chainHead(tx);
      if (!head || head.keyId !== null) return null;
      return (await writeReanchor(tx, ring, head)).id;
    },
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
}
