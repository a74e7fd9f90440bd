import "server-only";
// Pause and resume of an open release (issue 16): a paused release never moves on its own —
// the runner neither advances it nor files a plan approval; an unhealthy analysis still rolls
// it back, and people may still step, promote or roll back. Both are audited on the release
// timeline. The dwell clock is not reset by a pause: after resume, a step whose dwell ran out
// meanwhile advances at the runner's next healthy tick.
import { AppError } from "@/lib/errors";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import type { PauseReleaseInput } from "@/lib/validations/release";

export type PauseResult = { releaseId: string; service: string; paused: boolean; auditEventId: string };

async function setPaused(db: Db, actor: Actor, input: PauseReleaseInput, paused: boolean): Promise<PauseResult> {
  return db.$transaction(async (tx) => {
    const r = await tx.release.findUnique({ where: { id: input.id }, include: { service: { select: { name: true } } } });
    if (!r) throw new AppError("not_found", `release ${input.id} not found`, { params: { release: input.id } });
    if (r.status !== "OPEN") {
      throw new AppError("conflict", `release ${r.id} is ${r.status}`, { params: { service: r.service.name, status: r.status }, reason: "release_not_open" });
    }
    const updated = await tx.release.updateMany({
      where: { id: r.id, status: "OPEN", pausedAt: paused ? null : { not: null } },
      data: paused ? { pausedAt: new Date(), pausedBy: actor.email } : { pausedAt: null, pausedBy: null },
    });
    if (updated.count !== 1) {
      const reason = paused ? "release_already_paused" : "release_not_paused";
      throw new AppError("conflict", `release ${r.id} is ${paused ? "already paused" : "not paused"}: reload the page`, {
        params: { service: r.service.name },
        reason,
        fieldErrors: { _form: [paused ? "specific.releaseAlreadyPaused" : "specific.releaseNotPaused"] },
      });
    }
    const event = await auditChange(tx, actor, {
      action: paused ? "release.pause" : "release.resume",
      targetType: "release",
      targetName: r.id,
      serviceName: r.service.name,
      releaseId: r.id,
      before: { paused: !paused, ...(r.pausedAt ? { pausedAt: r.pausedAt.toISOString(), pausedBy: r.pausedBy } : {}) },
      after: { paused, step: r.currentStep },
    });
    return { releaseId: r.id, service: r.service.name, paused, auditEventId: event.id.toString() };
  });
}

export const pauseRelease = (db: Db, actor: Actor, input: PauseReleaseInput) => setPaused(db, actor, input, true);
export const resumeRelease = (db: Db, actor: Actor, input: PauseReleaseInput) => setPaused(db, actor, input, false);
