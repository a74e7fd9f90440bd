import "server-only";
// The one commit path of a service's desired state, used by every service change (node
// and settings forms, the API) and every release step:
//
//   transaction: read the service → check the revision the caller saw (the optimistic lock:
//   the UPDATE below only matches that revision) → plan the new state → refuse what the
//   gateways would refuse → write service + nodes with revision + 1 → caller's own rows
//   (a release) → audit event
//   after commit: push the full state to every gateway, record each outcome on the event.
import { auditChange, type Actor, type AuditChange } from "@/lib/audit/append";
import { MAX_NODES_PER_SERVICE } from "@/lib/contract/limits";
import type { Db, Tx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { computeImpact, sameAddr, type Impact } from "./impact";
import { pushService, type PushOutcome } from "./push";
import { loadDesired, type StoredService } from "./read";
import type { DesiredNode, DesiredService } from "./state";

/** What every committed change returns: the new revision, its audit event and each gateway's outcome. */
export type Committed = {
  service: string;
  revision: number;
  eventId: string;
  outcomes: PushOutcome[];
};

/** A change planned inside the transaction, from the state it read. */
export type Planned = {
  /** The desired state after the change (its revision is set by the commit). */
  after: DesiredService;
  /** Allow a state with no stable-capable node (the gateway's `force`). */
  force: boolean;
  /** The audit event; `after` is the state with its new revision. */
  audit: (after: DesiredService) => AuditChange;
  /** Writes of the caller's own rows in the same transaction (a release row). */
  also?: (tx: Tx) => Promise<void>;
  /** Writes that name the audit event, in the same transaction (notifications, approvals). */
  afterAudit?: (tx: Tx, eventId: bigint) => Promise<void>;
};

/** A service as its audit events record it. */
export function serviceJson(s: DesiredService): Prisma.InputJsonValue {
  return {
    revision: s.revision,
    algorithm: s.algorithm,
    gray: s.gray as unknown as Prisma.InputJsonValue,
    nodes: s.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
    ...(s.groups ? { groups: s.groups } : {}),
  };
}

export function conflict(service: string, why = "revision moved"): AppError {
  return new AppError("conflict", `${service}: ${why}`, { params: { service } });
}

export function serviceNotFound(service: string): AppError {
  return new AppError("not_found", `service ${service} not found`, { params: { service } });
}

/** Refuses a node list with no stable-capable node unless forced (the gateway's own rule). */
export function assertKeepsStable(service: string, before: readonly DesiredNode[], after: readonly DesiredNode[], force: boolean): Impact {
  const impact = computeImpact(before, after);
  if (impact.leavesNoStable && !force) {
    throw new AppError("invalid_input", `${service}: change leaves no stable-capable node`, {
      params: { service },
      fieldErrors: { force: ["refused.noStable"] },
    });
  }
  return impact;
}

/**
 * Refuses a node list longer than the shared limit: the gateways refuse such a service on
 * every write, so storing it would leave every later push failing. `field` is where the
 * form shows it (the address of an added node, or the node list).
 */
export function assertNodeLimit(service: string, nodes: readonly DesiredNode[], field: "node.addr" | "nodes"): void {
  if (nodes.length <= MAX_NODES_PER_SERVICE) return;
  throw new AppError("invalid_input", `${service}: ${nodes.length} nodes, limit ${MAX_NODES_PER_SERVICE} per service`, {
    params: { service, limit: MAX_NODES_PER_SERVICE, nodes: nodes.length },
    fieldErrors: { [field]: ["validation.tooManyNodes"] },
  });
}

/** Writes `after` over `before` (service columns + node rows) with revision + 1, or throws conflict. */
async function writeDesired(tx: Tx, before: StoredService, after: DesiredService): Promise<void> {
  const updated = await tx.service.updateMany({
    where: { id: before.id, revision: before.revision },
    data: { revision: { increment: 1 }, algorithm: after.algorithm, gray: after.gray as unknown as Prisma.InputJsonValue },
  });
  if (updated.count !== 1) throw conflict(before.name);
  const keep = new Set(after.nodes.map((n) => n.addr.toLowerCase()));
  const gone = before.nodes.filter((n) => !keep.has(n.addr.toLowerCase())).map((n) => n.addr);
  if (gone.length) await tx.node.deleteMany({ where: { serviceId: before.id, addr: { in: gone } } });
  for (const n of after.nodes) {
    const old = before.nodes.find((o) => sameAddr(o.addr, n.addr));
    if (!old) {
      await tx.node.create({ data: { serviceId: before.id, addr: n.addr, weight: n.weight, state: n.state, backup: n.backup, note: n.note ?? "" } });
    } else if (old.weight !== n.weight || old.state !== n.state || old.backup !== n.backup || (n.note !== undefined && old.note !== n.note)) {
      await tx.node.update({
        where: { serviceId_addr: { serviceId: before.id, addr: old.addr } },
        data: { weight: n.weight, state: n.state, backup: n.backup, note: n.note ?? old.note },
      });
    }
  }
}

/**
 * Commits one change of `service`: `plan` runs inside the transaction with the state read
 * there (it may refuse by throwing); `expectedRevision` (null: none) is the revision the
 * caller's form or API call was based on.
 */
export async function commitService(
  db: Db,
  actor: Actor,
  service: string,
  expectedRevision: number | null,
  plan: (tx: Tx, before: StoredService) => Planned | Promise<Planned>,
): Promise<Committed> {
  const { eventId, revision } = await db.$transaction(async (tx) => {
    const before = await loadDesired(tx, service);
    if (!before) throw serviceNotFound(service);
    if (expectedRevision !== null && before.revision !== expectedRevision) throw conflict(service);
    const p = await plan(tx, before);
    const after = { ...p.after, revision: before.revision + 1 };
    // Only a change that grows the list is refused: a service stored over the limit (by an
    // older portal) can still shrink back under it.
    if (after.nodes.length > before.nodes.length) assertNodeLimit(service, after.nodes, "node.addr");
    assertKeepsStable(service, before.nodes, after.nodes, p.force);
    await writeDesired(tx, before, after);
    if (p.also) await p.also(tx);
    const event = await auditChange(tx, actor, p.audit(after));
    if (p.afterAudit) await p.afterAudit(tx, event.id);
    return { eventId: event.id, revision: after.revision };
  });
  return pushCommitted(db, service, eventId, revision);
}

/** After a commit: the full state to every gateway, each outcome recorded on `eventId`. */
export async function pushCommitted(db: Db, service: string, eventId: bigint, revision?: number): Promise<Committed> {
  const report = await pushService(db, service, { eventId });
  return { service, revision: revision ?? report.revision, eventId: eventId.toString(), outcomes: report.outcomes };
}
