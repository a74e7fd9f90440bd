import "server-only";
// What a release page polls (GET /api/releases/[id]/live): the release with its timeline and
// analysis, how an automatic rollback came about, and the live split. One read per release
// per process and TTL, shared by every viewer (lib/metrics/shared-read.ts): 50 viewers polling
// every 2 s cost one database read and one gateway read per second, not 25 of each.
import { invalidateShared, sharedRead } from "@/lib/metrics/shared-read";
import type { Db } from "@/lib/db";
import { reasonsFromEvidence, type RollbackReason, type Thresholds } from "./analysis";
import { analyzerOptionsFromEnv } from "./analyzer";
import { getLiveSplit, getRelease, type LiveSplit, type ReleaseDetail } from "./read";

/** How long one read of a release serves every viewer of it. */
export const RELEASE_LIVE_TTL_MS = 1000;

export type AutoRollback = {
  at: string;
  /** Why, as message codes with parameters (rendered per locale). */
  reasons: RollbackReason[];
  /** The English text stored as the end reason, for rollbacks whose codes are unknown. */
  text: string | null;
};

export type ReleaseLive = {
  at: string;
  release: ReleaseDetail;
  autoRollback: AutoRollback | null;
  /** Gray vs stable over the last seconds; only while the release is open. */
  split: LiveSplit | null;
  /** What the analyzer judges by (its environment settings). */
  thresholds: Thresholds;
};

const key = (id: string) => `release-live:${id}`;

/** The automatic rollback of a release, from its rollback event by the system actor. */
export function autoRollbackOf(r: ReleaseDetail): AutoRollback | null {
  if (r.status !== "ROLLED_BACK") return null;
  const ev = [...r.timeline].reverse().find((e) => e.action === "release.rollback");
  if (!ev || ev.actorRole !== "SYSTEM") return null;
  const automatic = (ev.after as { automatic?: unknown } | null)?.automatic;
  const reasons = reasonsFromEvidence(automatic);
  return { at: r.endedAt ?? ev.at, reasons: reasons.length ? reasons : (r.analysis?.rollback?.reasons ?? []), text: r.endReason?.replace(/^automatic: /, "") ?? null };
}

async function readLive(db: Db, id: string): Promise<ReleaseLive | null> {
  const release = await getRelease(db, id);
  if (!release) return null;
  let split: LiveSplit | null = null;
  if (release.status === "OPEN") {
    try {
      split = await getLiveSplit(db, id);
    } catch {
      split = null; // the gateways' counters are a bonus; the release itself must still show
    }
  }
  return { at: new Date().toISOString(), release, autoRollback: autoRollbackOf(release), split, thresholds: analyzerOptionsFromEnv().thresholds };
}

export function getReleaseLive(db: Db, id: string): Promise<ReleaseLive | null> {
  return sharedRead(key(id), RELEASE_LIVE_TTL_MS, () => readLive(db, id));
}

/** After a change of the release in this process: the next poll reads it afresh. */
export function invalidateReleaseLive(id: string): void {
  invalidateShared(key(id));
}
