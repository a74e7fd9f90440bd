// Verification of the whole audit log (issue 11): `npm run db -- verify-audit` and the
// portal's "Verify integrity" run this.
//
// One pass over a consistent snapshot (a REPEATABLE READ transaction), in id order:
//  - every event links to the previous one (prevHash) and its hash checks out: the keyed
//    rule for events with a key id (the key must be one of GRAYLANE_AUDIT_KEY and
//    GRAYLANE_AUDIT_KEYS_OLD), the old unkeyed rule only before the re-anchor event;
//  - every outcome row is sealed exactly once, unchanged, by an "audit.outcomes" event
//    (or by the re-anchor's digest, for outcomes older than the keyed chain);
//  - every signed checkpoint outside the database (lib/audit/checkpoints.ts) finds its
//    event with the same hash and the same count before it; a checkpoint beyond the
//    newest event means the newest events were deleted.
// The report names the first problem with the first event id it affects, and how many
// events came after the last checkpoint (verified by the chain, not yet anchored).
import { Prisma, type AuditEvent, type PrismaClient } from "../generated/prisma/client";
import {
  computeEventHash,
  computeKeyedEventHash,
  OUTCOMES_ACTION,
  OutcomeDigest,
  outcomesDigest,
  REANCHOR_ACTION,
  type AuditOutcomeRow,
  type ReanchorSeal,
} from "./chain";
import { checkpointDirFor, checkpointRoot, currentDatabase, readCheckpoints, type Checkpoint, type CheckpointSummary } from "./checkpoints";
import { auditKeyring, type AuditKeyring } from "./keys";
import type { OutcomeSeal } from "./outcomes";

/** Why verification failed, as a stable code (the portal translates it). */
export type AuditChainBreak =
  | "missing_hash"
  | "first_has_prev"
  | "broken_link"
  | "content_changed"
  | "rehashed_without_key"
  | "unknown_key"
  | "unkeyed_after_anchor"
  | "missing_reanchor"
  | "outcome_changed"
  | "outcome_added"
  | "outcome_missing"
  | "checkpoint_invalid"
  | "checkpoint_mismatch"
  | "tail_missing";

type ReportBase = {
  /** Events verified before the first problem (all of them when ok). */
  checked: number;
  /** Events in the snapshot. */
  total: number;
  /** Events verified with the old unkeyed rule (before the re-anchor event). */
  legacyEvents: number;
  headId: string | null;
  /** The newest valid checkpoint, or null when there is none. */
  checkpoint: CheckpointSummary | null;
  checkpoints: number;
  /** Events after the newest checkpoint: verified by the chain, but their deletion would go unnoticed. */
  unanchored: number;
  checkpointDir: string | null;
};

export type AuditChainReport =
  | (ReportBase & { ok: true })
  | (ReportBase & { ok: false; brokenAt: bigint; code: AuditChainBreak; reason: string });

export type VerifyProgress = { checked: number; total: number };

export type VerifyOptions = {
  batchSize?: number;
  ring?: AuditKeyring;
  /** Folder of GRAYLANE_AUDIT_CHECKPOINT_DIR (default from the environment); null: ignore checkpoints. */
  checkpointRoot?: string | null;
  onProgress?: (p: VerifyProgress) => void;
};

const EVENT_COLUMNS = Prisma.raw(
  ["id", "createdAt", "actorId", "actorEmail", "actorRole", "clientIp", "userAgent", "action", "targetType", "targetName", "serviceName", "releaseId", "before", "after", "reason", "prevHash", "hash", "keyId"]
    .map((c) => `"${c}"`)
    .join(", "),
);

type Problem = { brokenAt: bigint; code: AuditChainBreak; reason: string };

class Broken extends Error {
  constructor(readonly problem: Problem) {
    super(problem.reason);
  }
}
const broken = (brokenAt: bigint, code: AuditChainBreak, reason: string) => new Broken({ brokenAt, code, reason });

type Tx = Pick<PrismaClient, "auditEvent" | "$queryRaw">;

/** Outcome rows in id order, fetched in batches. */
class OutcomeCursor {
  private buffer: AuditOutcomeRow[] = [];
  private pos = 0;
  private afterId: bigint | null = null;
  private exhausted = false;
  constructor(
    private readonly tx: Tx,
    private readonly batchSize: number,
  ) {}

  async peek(): Promise<AuditOutcomeRow | null> {
    if (this.pos < this.buffer.length) return this.buffer[this.pos];
    if (this.exhausted) return null;
    // Raw SQL: several times faster than findMany over millions of rows.
    this.buffer = await this.tx.$queryRaw<AuditOutcomeRow[]>`
      SELECT "id", "eventId", "gatewayId", "gatewayName", "ok", "status", "code", "message", "durationMs", "createdAt"
      FROM "AuditOutcome" WHERE "id" > ${this.afterId ?? -1n} ORDER BY "id" LIMIT ${this.batchSize}`;
    this.pos = 0;
    if (this.buffer.length < this.batchSize) this.exhausted = true;
    if (this.buffer.length) this.afterId = this.buffer[this.buffer.length - 1].id;
    return this.buffer[0] ?? null;
  }

  async take(): Promise<AuditOutcomeRow> {
    const row = await this.peek();
    if (!row) throw new Error("OutcomeCursor.take past the end");
    this.pos++;
    return row;
  }
}

const unsealed = (o: AuditOutcomeRow) =>
  broken(o.eventId, "outcome_added", `outcome #${o.id} (gateway ${o.gatewayName}) of event #${o.eventId} is not sealed by the chain: it was added afterwards`);

/** Checks the outcomes an "audit.outcomes" event sealed, consuming them from the cursor. */
async function checkSeal(seal: OutcomeSeal, cursor: OutcomeCursor): Promise<void> {
  const eventId = BigInt(seal.eventId);
  const rows: AuditOutcomeRow[] = [];
  for (const raw of seal.outcomeIds) {
    const id = BigInt(raw);
    let row = await cursor.peek();
    if (row && row.id < id) throw unsealed(row);
    if (!row || row.id !== id) throw broken(eventId, "outcome_missing", `outcome #${id} of event #${eventId} was removed`);
    row = await cursor.take();
    if (row.eventId !== eventId) throw broken(eventId, "outcome_changed", `outcome #${id} of event #${eventId} was moved to event #${row.eventId}`);
    rows.push(row);
  }
  if (outcomesDigest(rows) !== seal.digest) {
    throw broken(eventId, "outcome_changed", `the gateway outcomes of event #${eventId} were changed after they were recorded`);
  }
}

/** Checks the outcomes older than the keyed chain against the re-anchor's digest. */
async function checkLegacyOutcomes(seal: ReanchorSeal, at: bigint, cursor: OutcomeCursor): Promise<void> {
  const digest = new OutcomeDigest();
  const maxId = seal.legacyOutcomesMaxId === null ? null : BigInt(seal.legacyOutcomesMaxId);
  if (maxId !== null) {
    for (let row = await cursor.peek(); row && row.id <= maxId; row = await cursor.peek()) digest.add(await cursor.take());
  }
  if (digest.count !== seal.legacyOutcomes || digest.hex() !== seal.legacyOutcomesDigest) {
    throw broken(at, "outcome_changed", "the gateway outcomes recorded before the keyed chain were changed, added or removed after the re-anchor sealed them");
  }
}

function checkEvent(event: AuditEvent, expectedPrev: string | null, anchored: boolean, ring: AuditKeyring): void {
  if (!event.hash) throw broken(event.id, "missing_hash", "the event has no hash");
  if ((event.prevHash ?? null) !== expectedPrev) {
    throw expectedPrev === null
      ? broken(event.id, "first_has_prev", "the first event must not point to a previous hash")
      : broken(event.id, "broken_link", "prevHash does not match the previous event's hash (an event was removed, inserted or reordered)");
  }
  if (event.keyId === null) {
    if (anchored) {
      throw broken(event.id, "unkeyed_after_anchor", "the event has no key id although the chain is keyed: it was forged or re-hashed without the audit key");
    }
    if (computeEventHash(event.prevHash, event) !== event.hash) {
      throw broken(event.id, "content_changed", "the event's content does not match its hash (it was changed)");
    }
    return;
  }
  const key = ring.byId.get(event.keyId);
  if (!key) {
    throw broken(event.id, "unknown_key", `the event is signed with key ${event.keyId}, which is neither GRAYLANE_AUDIT_KEY nor in GRAYLANE_AUDIT_KEYS_OLD (forged, or a key is missing)`);
  }
  if (computeKeyedEventHash(key, event.keyId, event.prevHash, event) !== event.hash) {
    throw computeEventHash(event.prevHash, event) === event.hash
      ? broken(event.id, "rehashed_without_key", "the event's hash was recomputed without the audit key (the chain was re-hashed or the event forged)")
      : broken(event.id, "content_changed", "the event's content does not match its hash (it was changed)");
  }
}

/**
 * Verifies the audit log; see the header. Throws an AuditKeyError when no audit key is
 * configured (nothing keyed can be verified without it).
 */
export async function verifyAuditChain(
  db: Pick<PrismaClient, "$transaction" | "$queryRaw">,
  opts: VerifyOptions = {},
): Promise<AuditChainReport> {
  const ring = opts.ring ?? auditKeyring();
  const batchSize = opts.batchSize ?? 2000;
  // Checkpoints are read before the snapshot starts, so none of them can name an event the
  // snapshot does not hold yet.
  let checkpoints: Checkpoint[] = [];
  let checkpointDir: string | null = null;
  let checkpointProblem: Problem | null = null;
  const root = opts.checkpointRoot === undefined ? checkpointRoot() : opts.checkpointRoot;
  if (root !== null) {
    const database = await currentDatabase(db);
    checkpointDir = checkpointDirFor(root, database);
    const read = readCheckpoints(checkpointDir, database, ring);
    checkpoints = read.checkpoints;
    if (read.problem) {
      checkpointProblem = {
        brokenAt: BigInt(read.problem.checkpoint?.lastEventId ?? 0),
        code: "checkpoint_invalid",
        reason: `checkpoint ${read.problem.line}: ${read.problem.reason}`,
      };
    }
  }
  const lastCp = checkpoints[checkpoints.length - 1] ?? null;

  return db.$transaction(
    async (tx) => {
      const total = await tx.auditEvent.count();
      const head = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { id: true } });
      let checked = 0;
      let legacy = 0;
      const base = (): ReportBase => ({
        checked,
        total,
        legacyEvents: legacy,
        headId: head ? head.id.toString() : null,
        checkpoint: lastCp && { seq: lastCp.seq, lastEventId: lastCp.lastEventId, count: lastCp.count, at: lastCp.at },
        checkpoints: checkpoints.length,
        unanchored: Math.max(0, total - (lastCp?.count ?? 0)),
        checkpointDir,
      });
      if (checkpointProblem) return { ok: false as const, ...base(), ...checkpointProblem };

      const cursor = new OutcomeCursor(tx, batchSize);
      let cpIndex = 0;
      let expectedPrev: string | null = null;
      let anchored = false;
      let afterId: bigint | null = null;
      try {
        for (;;) {
          const batch: AuditEvent[] = await tx.$queryRaw<AuditEvent[]>`
            SELECT ${EVENT_COLUMNS} FROM "AuditEvent" WHERE "id" > ${afterId ?? -1n} ORDER BY "id" LIMIT ${batchSize}`;
          for (const event of batch) {
            // A checkpoint whose event we passed without meeting it: that event was deleted.
            while (cpIndex < checkpoints.length && BigInt(checkpoints[cpIndex].lastEventId) < event.id) {
              const cp = checkpoints[cpIndex];
              throw broken(BigInt(cp.lastEventId), "checkpoint_mismatch", `event #${cp.lastEventId}, signed by checkpoint ${cp.seq} (${cp.at}), is missing`);
            }
            checkEvent(event, expectedPrev, anchored, ring);
            if (event.keyId !== null && !anchored) {
              anchored = true;
              if (legacy > 0) {
                if (event.action !== REANCHOR_ACTION) {
                  throw broken(event.id, "missing_reanchor", "the first keyed event after unkeyed ones is not the re-anchor event");
                }
                await checkLegacyOutcomes(event.after as ReanchorSeal, event.id, cursor);
              }
            }
            if (event.keyId === null) legacy++;
            else if (event.action === OUTCOMES_ACTION) await checkSeal(event.after as OutcomeSeal, cursor);
            checked++;
            expectedPrev = event.hash;
            const cp = checkpoints[cpIndex];
            if (cp && cp.lastEventId === event.id.toString()) {
              if (cp.lastHash !== event.hash || cp.count !== checked) {
                throw broken(
                  event.id,
                  "checkpoint_mismatch",
                  cp.lastHash !== event.hash
                    ? `event #${event.id} does not have the hash checkpoint ${cp.seq} (${cp.at}) signed`
                    : `checkpoint ${cp.seq} (${cp.at}) signed ${cp.count} events up to #${event.id}, the database has ${checked}: events were deleted or inserted`,
                );
              }
              cpIndex++;
            }
          }
          opts.onProgress?.({ checked, total });
          if (batch.length < batchSize) break;
          afterId = batch[batch.length - 1].id;
        }
        // Outcomes nobody sealed (only once the chain is keyed: before, outcomes had no seal).
        if (anchored) {
          const extra = await cursor.peek();
          if (extra) throw unsealed(extra);
        }
        if (cpIndex < checkpoints.length) {
          const cp = checkpoints[cpIndex];
          throw broken(
            BigInt(cp.lastEventId),
            "tail_missing",
            `checkpoint ${cp.seq} (${cp.at}) signed ${cp.count} events up to #${cp.lastEventId}, but the log ends at ${head ? `#${head.id}` : "nothing"} with ${total} events: the newest events were deleted`,
          );
        }
      } catch (e) {
        if (e instanceof Broken) return { ok: false as const, ...base(), ...e.problem };
        throw e;
      }
      return { ok: true as const, ...base() };
    },
    { isolationLevel: "RepeatableRead", timeout: 60 * 60_000, maxWait: 60_000 },
  );
}
