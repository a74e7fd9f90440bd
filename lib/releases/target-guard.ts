import "server-only";
// While a release is open its target nodes belong to it: their state is what the release
// put there (gray, later active or down) and its steps, analysis and rollback count on them.
// A node action that would change a target's state or remove it is refused, naming the
// release, so the change goes through the release (step, promote, roll back) and lands on
// its timeline. Called by the node mutations inside their transaction.
import { AppError } from "@/lib/errors";
import type { Db, Tx } from "@/lib/db";
import { isTarget } from "./plan";

/** Node changes that touch a release target's membership of the pools. */
const GUARDED = new Set(["node.state", "node.remove"]);

export type OpenReleaseRef = { id: string; version: string; targets: string[] };

export function openReleaseOf(db: Db | Tx, serviceId: string): Promise<OpenReleaseRef | null> {
  return db.release.findFirst({ where: { serviceId, status: "OPEN" }, select: { id: true, version: true, targets: true } });
}

/** Throws a conflict naming the open release when `action` on `addr` would change one of its targets. */
export async function refuseReleaseTargetChange(
  db: Db | Tx,
  service: { id: string; name: string },
  change: { action: string; targetName: string },
): Promise<void> {
  if (!GUARDED.has(change.action)) return;
  const open = await openReleaseOf(db, service.id);
  if (!open || !isTarget(open.targets, change.targetName)) return;
  throw new AppError("conflict", `${service.name}: ${change.targetName} is a target of open release ${open.id}`, {
    params: { service: service.name, addr: change.targetName, release: open.id, version: open.version },
    fieldErrors: { _form: ["specific.releaseTarget"] },
  });
}
