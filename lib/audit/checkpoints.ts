// Signed checkpoints of the audit chain, kept outside the database (issue 11), in the
// spirit of CloudTrail's digest files and Certificate Transparency's signed tree heads.
//
// A checkpoint says "the chain had `count` events, the newest #lastEventId with hash
// lastHash, at time `at`", signed with the audit key (HMAC-SHA256 over its canonical
// JSON) and chained to the previous checkpoint (`prev` = the previous one's `mac`). The
// portal writes one at a short interval when the chain moved (lib/audit/checkpointer.ts),
// and `npm run db -- audit-checkpoint` writes one on demand. Verification then catches
// what the keyed chain alone cannot: the newest events deleted (the head or the count
// falls behind a checkpoint). Events after the last checkpoint are not covered.
//
// Layout: GRAYLANE_AUDIT_CHECKPOINT_DIR (default .graylane/audit-checkpoints) holds one
// folder per database (its current_database() name) with one JSON line per checkpoint
// in a file per UTC day (YYYY-MM-DD.jsonl). A lock file serialises writers.
// No "server-only": scripts/db.ts uses this from plain Node.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";

import type { PrismaClient } from "../generated/prisma/client";
import { canonicalJson } from "./chain";
import { auditKeyring, hmacHex, type AuditKeyring } from "./keys";

export type Checkpoint = {
  v: 1;
  seq: number;
  database: string;
  lastEventId: string;
  lastHash: string;
  count: number;
  at: string;
  /** The previous checkpoint's mac; null for the first one in the folder. */
  prev: string | null;
  keyId: string;
  mac: string;
};

export type CheckpointSummary = Pick<Checkpoint, "seq" | "lastEventId" | "count" | "at">;

export const DEFAULT_CHECKPOINT_DIR = path.join(".graylane", "audit-checkpoints");
const FILE_RE = /^\d{4}-\d{2}-\d{2}\.jsonl$/;

export function checkpointRoot(env: NodeJS.ProcessEnv = process.env): string {
  // A folder chosen at run time, not a file of the build (the comment keeps Turbopack from tracing the project).
  return path.resolve(/*turbopackIgnore: true*/ env.GRAYLANE_AUDIT_CHECKPOINT_DIR?.trim() || DEFAULT_CHECKPOINT_DIR);
}

export function checkpointDirFor(root: string, database: string): string {
  return path.join(root, database.replace(/[^A-Za-z0-9_.-]/g, "_"));
}

function macOf(cp: Omit<Checkpoint, "mac">, key: Buffer): string {
  const { v, seq, database, lastEventId, lastHash, count, at, prev, keyId } = cp;
  return hmacHex(key, canonicalJson({ v, seq, database, lastEventId, lastHash, count, at, prev, keyId }));
}

export type CheckpointProblem = { line: string; reason: string; checkpoint: Checkpoint | null };

function checkOne(raw: string, where: string, ring: AuditKeyring, database: string): { cp: Checkpoint } | { problem: CheckpointProblem } {
  let cp: Checkpoint;
  try {
    cp = JSON.parse(raw) as Checkpoint;
  } catch {
    return { problem: { line: where, reason: "not JSON", checkpoint: null } };
  }
  const key = typeof cp.keyId === "string" ? ring.byId.get(cp.keyId) : undefined;
  if (cp.v !== 1 || typeof cp.lastEventId !== "string" || !/^\d+$/.test(cp.lastEventId) || !Number.isInteger(cp.count)) {
    return { problem: { line: where, reason: "not a checkpoint", checkpoint: null } };
  }
  if (!key) return { problem: { line: where, reason: `signed with an unknown key (${String(cp.keyId)})`, checkpoint: cp } };
  if (macOf(cp, key) !== cp.mac) return { problem: { line: where, reason: "its signature does not match (it was changed or forged)", checkpoint: cp } };
  if (cp.database !== database) return { problem: { line: where, reason: `it belongs to database ${cp.database}`, checkpoint: cp } };
  return { cp };
}

function checkpointFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => FILE_RE.test(f)).sort();
}

/**
 * Every checkpoint of `database` in `dir`, oldest first, each signature and link checked.
 * Stops at the first bad one and reports it.
 */
export function readCheckpoints(
  dir: string,
  database: string,
  ring: AuditKeyring = auditKeyring(),
): { checkpoints: Checkpoint[]; problem: CheckpointProblem | null } {
  const checkpoints: Checkpoint[] = [];
  for (const file of checkpointFiles(dir)) {
    const lines = readFileSync(path.join(dir, file), "utf8").split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      const where = `${path.join(dir, file)}:${i + 1}`;
      const r = checkOne(lines[i], where, ring, database);
      if ("problem" in r) return { checkpoints, problem: r.problem };
      const last = checkpoints[checkpoints.length - 1];
      if (last) {
        if (r.cp.seq !== last.seq + 1 || r.cp.prev !== last.mac) {
          return { checkpoints, problem: { line: where, reason: `it does not follow checkpoint ${last.seq} (a checkpoint was removed, inserted or reordered)`, checkpoint: r.cp } };
        }
        if (BigInt(r.cp.lastEventId) < BigInt(last.lastEventId) || r.cp.count < last.count) {
          return { checkpoints, problem: { line: where, reason: `its head is behind checkpoint ${last.seq}`, checkpoint: r.cp } };
        }
      }
      checkpoints.push(r.cp);
    }
  }
  return { checkpoints, problem: null };
}

/** The newest checkpoint in `dir` (signature checked), or null when there is none. */
export function readLastCheckpoint(dir: string, database: string, ring: AuditKeyring): Checkpoint | null {
  const files = checkpointFiles(dir);
  for (let f = files.length - 1; f >= 0; f--) {
    const lines = readFileSync(path.join(dir, files[f]), "utf8").split("\n").filter((l) => l.trim());
    if (!lines.length) continue;
    const where = `${path.join(dir, files[f])}:${lines.length}`;
    const r = checkOne(lines[lines.length - 1], where, ring, database);
    if ("problem" in r) throw new CheckpointError(`the last audit checkpoint (${where}) is not valid: ${r.problem.reason}. Run \`npm run db -- verify-audit\`.`);
    return r.cp;
  }
  return null;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

async function withDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, ".lock");
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(lock, "wx", 0o600));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // A writer that died leaves its lock behind; a live one holds it for milliseconds.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 60_000) unlinkSync(lock);
      } catch {
        // gone meanwhile: try again
      }
      if (attempt >= 100) throw new CheckpointError(`could not lock ${lock} (another checkpoint writer holds it)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already removed as stale by another writer
    }
  }
}

type CheckpointDb = Pick<PrismaClient, "$queryRaw">;

export async function currentDatabase(db: CheckpointDb): Promise<string> {
  const rows = await db.$queryRaw<{ db: string }[]>`SELECT current_database() AS db`;
  return rows[0].db;
}

export type WriteCheckpointResult = { written: boolean; checkpoint: Checkpoint | null; file: string | null };

/**
 * Signs the current head of the chain and appends it to today's file, unless the chain
 * has not moved since the last checkpoint (`force` writes anyway). Refuses when the event
 * the last checkpoint signed is gone or changed: signing the shorter chain would hide that.
 */
export async function writeCheckpoint(
  db: CheckpointDb,
  opts: { root?: string; ring?: AuditKeyring; force?: boolean; now?: Date } = {},
): Promise<WriteCheckpointResult> {
  const ring = opts.ring ?? auditKeyring();
  const database = await currentDatabase(db);
  const dir = checkpointDirFor(opts.root ?? checkpointRoot(), database);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withDirLock(dir, async () => {
    const last = readLastCheckpoint(dir, database, ring);
    const heads = await db.$queryRaw<{ id: bigint; hash: string | null }[]>`SELECT "id", "hash" FROM "AuditEvent" ORDER BY "id" DESC LIMIT 1`;
    const head = heads[0];
    if (!head) {
      if (last) throw new CheckpointError(`the audit log is empty, but checkpoint ${last.seq} signed ${last.count} events up to #${last.lastEventId}: events were deleted`);
      return { written: false, checkpoint: null, file: null };
    }
    if (last && last.lastEventId === head.id.toString() && !opts.force) return { written: false, checkpoint: last, file: null };
    let count: number;
    if (last) {
      const anchor = await db.$queryRaw<{ hash: string | null }[]>`SELECT "hash" FROM "AuditEvent" WHERE "id" = ${BigInt(last.lastEventId)}`;
      if (anchor[0]?.hash !== last.lastHash) {
        throw new CheckpointError(
          `event #${last.lastEventId} signed by checkpoint ${last.seq} is ${anchor.length ? "changed" : "gone"}: not signing over it. Run \`npm run db -- verify-audit\`.`,
        );
      }
      const more = await db.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM "AuditEvent" WHERE "id" > ${BigInt(last.lastEventId)} AND "id" <= ${head.id}`;
      count = last.count + Number(more[0].n);
    } else {
      const all = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "AuditEvent" WHERE "id" <= ${head.id}`;
      count = Number(all[0].n);
    }
    const now = opts.now ?? new Date();
    const body: Omit<Checkpoint, "mac"> = {
      v: 1,
      seq: (last?.seq ?? 0) + 1,
      database,
      lastEventId: head.id.toString(),
      lastHash: head.hash ?? "",
      count,
      at: now.toISOString(),
      prev: last?.mac ?? null,
      keyId: ring.current.id,
    };
    const checkpoint: Checkpoint = { ...body, mac: macOf(body, ring.current.key) };
    const file = path.join(dir, `${body.at.slice(0, 10)}.jsonl`);
    const fd = openSync(file, "a", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { written: true, checkpoint, file };
  });
}
