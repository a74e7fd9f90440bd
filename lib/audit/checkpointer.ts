import "server-only";
// The audit checkpoint loop (started from instrumentation.ts): one portal process of the
// deployment re-anchors the unkeyed events once (after the upgrade), then every
// GRAYLANE_AUDIT_CHECKPOINT_INTERVAL_MS (default 10000) signs the head of the chain into
// GRAYLANE_AUDIT_CHECKPOINT_DIR when it moved (lib/audit/checkpoints.ts).
import { getDb } from "@/lib/db";
import { intervalFromEnv, LEADER_LOCKS, startLeaderLoop, type LeaderHandle } from "@/lib/leader";
import { log } from "@/lib/log";
import { ensureReanchored } from "./chain";
import { writeCheckpoint } from "./checkpoints";

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 10_000;

export function checkpointIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return intervalFromEnv("GRAYLANE_AUDIT_CHECKPOINT_INTERVAL_MS", DEFAULT_CHECKPOINT_INTERVAL_MS, env);
}

export function startAuditCheckpointer(opts: { databaseUrl?: string; intervalMs?: number } = {}): LeaderHandle {
  let reanchored = false;
  return startLeaderLoop({
    name: "audit.checkpoint",
    lockId: LEADER_LOCKS.auditCheckpoints,
    intervalMs: opts.intervalMs ?? checkpointIntervalFromEnv(),
    databaseUrl: opts.databaseUrl,
    tick: async () => {
      const db = getDb();
      if (!reanchored) {
        const id = await ensureReanchored(db);
        if (id !== null) log.info("audit.reanchored", { eventId: id.toString() });
        reanchored = true;
      }
      const { written, checkpoint, file } = await writeCheckpoint(db);
      if (written && checkpoint) log.info("audit.checkpoint", { seq: checkpoint.seq, lastEventId: checkpoint.lastEventId, count: checkpoint.count, file });
    },
  });
}
