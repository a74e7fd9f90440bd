import "server-only";
import { appendAuditEvent } from "@/lib/audit-chain";
import { appendAuditOutcomes } from "@/lib/audit/outcomes";
import { MAX_NODES_PER_SERVICE } from "@/lib/contract/limits";
import { AppError, isUniqueViolation } from "@/lib/errors";
import type { GatewayTarget } from "@/lib/gateway/fanout";
import { createGatewayClient } from "@/lib/gateway/client";
import { toGatewayError } from "@/lib/gateway/errors";
import { log } from "@/lib/log";
import { refuseReleaseTargetChange } from "@/lib/releases/target-guard";
import type { Prisma } from "@/lib/generated/prisma/client";
import type {
  AddNodeInput,
  CreateServiceInput,
  RemoveNodeInput,
  SetNodeStateInput,
  UpdateNodeInput,
} from "@/lib/validations/node";
import { hasStaticMatcher, withoutStaticMatchers, type AdoptServiceInput, type DeleteServiceInput, type UpdateServiceInput } from "@/lib/validations/service";
import { auditActor, type Actor, type Db, type Tx } from "./db-types";
import { applyNodeChange, computeImpact, NodeChangeError, sameAddr, type Impact, type NodeChange } from "./impact";
import { deleteFromGateways, pushService, type PushOutcome } from "./push";
import { loadDesired, toDesired, type StoredService } from "./read";
import { servesGateway } from "@/lib/fleet/groups";
import { loadGatewayTargets } from "./targets";
import { diffState, fromGatewayState, type DesiredNode, type DesiredService, type DriftKind } from "./state";

/** What every mutation returns: the new revision, its audit event and each gateway's outcome. */
export type MutationResult = {
  service: string;
  revision: number;
  eventId: string;
  outcomes: PushOutcome[];
};

export type AuditAction =
  | "node.add"
  | "node.remove"
  | "node.state"
  | "node.weight"
  | "node.backup"
  | "service.create"
  | "service.update"
  | "service.delete"
  | "service.adopt"
  | "service.retry_push"
  | "service.sync";

type Json = Prisma.InputJsonValue | null;

type Change = {
  action: AuditAction;
  targetType: "node" | "service";
  targetName: string;
  /** The desired state after the change, given the one before. Throws AppError to refuse. */
  apply: (before: StoredService) => DesiredService;
  audit: (before: StoredService, after: DesiredService) => { before: Json; after: Json };
  force: boolean;
};

function nodeJson(n: DesiredNode | undefined, revision: number): Json {
  return n ? { revision, addr: n.addr, weight: n.weight, state: n.state, backup: n.backup } : null;
}

function serviceJson(s: DesiredService): Prisma.InputJsonValue {
  return {
    revision: s.revision,
    algorithm: s.algorithm,
    gray: s.gray as unknown as Prisma.InputJsonValue,
    nodes: s.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
    ...(s.groups ? { groups: s.groups } : {}),
  };
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

function nodeChangeError(service: string, e: unknown): never {
  if (e instanceof NodeChangeError) {
    if (e.reason === "node_exists") {
      throw new AppError("invalid_input", `${service}: ${e.addr} already present`, { fieldErrors: { "node.addr": ["validation.nodeExists"] } });
    }
    throw new AppError("not_found", `${service}: node ${e.addr} not found`, { params: { service, addr: e.addr } });
  }
  throw e;
}

/** Writes `after` over `before` (service columns + node rows) inside the transaction. */
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

function conflict(service: string): AppError {
  return new AppError("conflict", `${service}: revision moved`, { params: { service } });
}

/**
 * The mutation path: one transaction checks the revision the form was rendered with,
 * writes the new desired state, bumps the revision and appends the audit event; after
 * commit the full state goes to every gateway and each outcome is recorded.
 */
async function mutate(db: Db, actor: Actor, service: string, expectedRevision: number, change: Change): Promise<MutationResult> {
  const { eventId, revision } = await db.$transaction(async (tx) => {
    const before = await loadDesired(tx, service);
    if (!before) throw new AppError("not_found", `service ${service} not found`, { params: { service } });
    if (before.revision !== expectedRevision) throw conflict(service);
    await refuseReleaseTargetChange(tx, before, change);
    let after: DesiredService;
    try {
      after = change.apply(before);
    } catch (e) {
      nodeChangeError(service, e);
    }
    after = { ...after, revision: before.revision + 1 };
    // Only a change that grows the list is refused: a service stored over the limit (by an
    // older portal) can still shrink back under it.
    if (after.nodes.length > before.nodes.length) assertNodeLimit(service, after.nodes, "node.addr");
    assertKeepsStable(service, before.nodes, after.nodes, change.force);
    await writeDesired(tx, before, after);
    const audit = change.audit(before, after);
    const event = await appendAuditEvent(tx, {
      ...auditActor(actor),
      action: change.action,
      targetType: change.targetType,
      targetName: change.targetName,
      serviceName: service,
      before: audit.before,
      after: audit.after,
    });
    return { eventId: event.id, revision: after.revision };
  });
  const report = await pushService(db, service, { eventId });
  return { service, revision, eventId: eventId.toString(), outcomes: report.outcomes };
}

function nodeMutation(
  action: AuditAction,
  input: { service: string; revision: number; force: boolean },
  addr: string,
  change: NodeChange,
): Change {
  return {
    action,
    targetType: "node",
    targetName: addr,
    force: input.force,
    apply: (before) => ({ ...before, nodes: applyNodeChange(before.nodes, change) }),
    audit: (before, after) => ({
      before: nodeJson(before.nodes.find((n) => sameAddr(n.addr, addr)), before.revision),
      after: nodeJson(after.nodes.find((n) => sameAddr(n.addr, addr)), after.revision),
    }),
  };
}

export function addNode(db: Db, actor: Actor, input: AddNodeInput): Promise<MutationResult> {
  return mutate(db, actor, input.service, input.revision, nodeMutation("node.add", input, input.node.addr, { kind: "add", node: input.node }));
}

export function removeNode(db: Db, actor: Actor, input: RemoveNodeInput): Promise<MutationResult> {
  return mutate(db, actor, input.service, input.revision, nodeMutation("node.remove", input, input.addr, { kind: "remove", addr: input.addr }));
}

export function setNodeState(db: Db, actor: Actor, input: SetNodeStateInput): Promise<MutationResult> {
  return mutate(db, actor, input.service, input.revision, nodeMutation("node.state", input, input.addr, { kind: "state", addr: input.addr, state: input.state }));
}

/** Weight and/or backup flag; audited as node.weight (or node.backup when only that changes). */
export function updateNode(db: Db, actor: Actor, input: UpdateNodeInput): Promise<MutationResult> {
  const action: AuditAction = input.weight !== undefined ? "node.weight" : "node.backup";
  return mutate(db, actor, input.service, input.revision, {
    ...nodeMutation(action, input, input.addr, { kind: "weight", addr: input.addr, weight: 1 }),
    apply: (before) => {
      let nodes = before.nodes;
      if (input.weight !== undefined) nodes = applyNodeChange(nodes, { kind: "weight", addr: input.addr, weight: input.weight });
      if (input.backup !== undefined) nodes = applyNodeChange(nodes, { kind: "backup", addr: input.addr, backup: input.backup });
      return { ...before, nodes };
    },
  });
}

export function updateService(db: Db, actor: Actor, input: UpdateServiceInput): Promise<MutationResult> {
  return mutate(db, actor, input.service, input.revision, {
    action: "service.update",
    targetType: "service",
    targetName: input.service,
    force: true, // node pool unchanged
    apply: (before) => ({ ...before, algorithm: input.algorithm, gray: input.gray }),
    audit: (before, after) => ({
      before: { revision: before.revision, algorithm: before.algorithm, gray: before.gray as unknown as Prisma.InputJsonValue },
      after: { revision: after.revision, algorithm: after.algorithm, gray: after.gray as unknown as Prisma.InputJsonValue },
    }),
  });
}

/** Inserts a service at revision 1 with its audit event in one transaction, then pushes it to every gateway. */
async function insertService(
  db: Db,
  actor: Actor,
  desired: DesiredService,
  audit: { action: AuditAction; before: Json },
  whenExists: () => AppError,
): Promise<MutationResult> {
  assertNodeLimit(desired.name, desired.nodes, "nodes");
  let eventId: bigint;
  try {
    eventId = await db.$transaction(async (tx) => {
      await tx.service.create({
        data: {
          name: desired.name,
          algorithm: desired.algorithm,
          gray: desired.gray as unknown as Prisma.InputJsonValue,
          ...(desired.health ? { health: desired.health as unknown as Prisma.InputJsonValue } : {}),
          ...(desired.groups ? { groups: desired.groups } : {}),
          revision: 1,
          nodes: { create: desired.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup, note: n.note ?? "" })) },
        },
      });
      const event = await appendAuditEvent(tx, {
        ...auditActor(actor),
        action: audit.action,
        targetType: "service",
        targetName: desired.name,
        serviceName: desired.name,
        before: audit.before,
        after: serviceJson(desired),
      });
      return event.id;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw whenExists();
    throw e;
  }
  const report = await pushService(db, desired.name, { eventId });
  return { service: desired.name, revision: 1, eventId: eventId.toString(), outcomes: report.outcomes };
}

/** A new service (revision 1) with its first nodes, pushed to every gateway. */
export async function createService(db: Db, actor: Actor, input: CreateServiceInput & { groups?: string[] }): Promise<MutationResult> {
  const desired: DesiredService = { name: input.name, algorithm: input.algorithm, gray: input.gray, revision: 1, nodes: input.nodes, groups: input.groups };
  assertKeepsStable(input.name, [], desired.nodes, input.force);
  return insertService(
    db,
    actor,
    desired,
    { action: "service.create", before: null },
    () => new AppError("invalid_input", `service ${input.name} exists`, { fieldErrors: { name: ["validation.serviceExists"] } }),
  );
}

/** Removes a service from the database and from every gateway. */
export async function deleteService(db: Db, actor: Actor, input: DeleteServiceInput): Promise<MutationResult> {
  const eventId = await db.$transaction(async (tx) => {
    const before = await loadDesired(tx, input.service);
    if (!before) throw new AppError("not_found", `service ${input.service} not found`, { params: { service: input.service } });
    if (before.revision !== input.revision) throw conflict(input.service);
    const deleted = await tx.service.deleteMany({ where: { id: before.id, revision: before.revision } });
    if (deleted.count !== 1) throw conflict(input.service);
    const event = await appendAuditEvent(tx, {
      ...auditActor(actor),
      action: "service.delete",
      targetType: "service",
      targetName: input.service,
      serviceName: input.service,
      before: serviceJson(before),
      after: null,
    });
    return event.id;
  });
  const outcomes = await deleteFromGateways(db, input.service, { eventId });
  return { service: input.service, revision: input.revision, eventId: eventId.toString(), outcomes };
}

/**
 * Imports a service that a gateway has but the database does not (e.g. created with the
 * brief's /upstream_add) as it is on that gateway, then pushes it to every gateway.
 */
export async function adoptService(db: Db, actor: Actor, input: AdoptServiceInput): Promise<MutationResult> {
  const [target] = await loadGatewayTargets(db, { id: input.gatewayId });
  if (!target) throw new AppError("not_found", `gateway ${input.gatewayId} not found`, { params: { gateway: input.gatewayId } });
  let live;
  try {
    live = await createGatewayClient({ adminUrl: target.adminUrl, token: target.token, timeoutMs: 2000 }).getUpstream(input.service);
  } catch (e) {
    const err = toGatewayError(e);
    throw new AppError("gateway_error", `adopt ${input.service} from ${target.name}: ${err.code} ${err.message}`, {
      params: { gateway: target.name, code: err.code },
      cause: e,
    });
  }
  if (!live) throw new AppError("not_found", `${input.service} not on ${target.name}`, { params: { service: input.service } });
  // The gateway's static header/cookie matchers (its defaults: X-Gray: 1, gray=1) are not
  // adopted: in the portal they are an explicit opt-in (service settings).
  const fromGateway = fromGatewayState(live);
  const imported = { ...fromGateway, gray: withoutStaticMatchers(fromGateway.gray), revision: 1 };
  const dropped = hasStaticMatcher(fromGateway.gray) ? { droppedStaticMatchers: { header: fromGateway.gray.header, cookie: fromGateway.gray.cookie } } : {};
  return insertService(
    db,
    actor,
    imported,
    { action: "service.adopt", before: { gateway: target.name, version: live.version ?? null, revision: live.revision ?? null, ...dropped } },
    () => conflict(input.service),
  );
}

/** Pushes the current desired state again (after a failed push); audited as service.retry_push. */
export async function retryPush(db: Db, actor: Actor, input: { service: string }): Promise<MutationResult> {
  const desired = await loadDesired(db, input.service);
  if (!desired) throw new AppError("not_found", `service ${input.service} not found`, { params: { service: input.service } });
  const eventId = await db.$transaction(async (tx) => {
    const event = await appendAuditEvent(tx, {
      ...auditActor(actor),
      action: "service.retry_push",
      targetType: "service",
      targetName: input.service,
      serviceName: input.service,
      before: null,
      after: serviceJson(desired),
    });
    return event.id;
  });
  const report = await pushService(db, input.service, { eventId });
  return { service: input.service, revision: report.revision, eventId: eventId.toString(), outcomes: report.outcomes };
}

export type GatewaySyncReport = {
  gatewayId: string;
  gatewayName: string;
  /** The gateway could not be read; nothing was pushed. */
  error: { code: string; message: string } | null;
  /** revision: the desired revision compared (and pushed, when it drifted). */
  services: { service: string; revision: number; drift: string; outcome: PushOutcome | null; eventId: string | null }[];
};

/**
 * Brings one gateway to the desired state of every service: each service that is missing
 * or differs there is pushed (and audited as service.sync); services the database does
 * not know are left alone. Reusable by reconciliation with SYSTEM_ACTOR.
 */
export async function syncGatewayNow(db: Db, actor: Actor, gatewayId: string): Promise<GatewaySyncReport> {
  const [target] = await loadGatewayTargets(db, { id: gatewayId });
  if (!target) throw new AppError("not_found", `gateway ${gatewayId} not found`, { params: { gateway: gatewayId } });
  return syncGateway(db, actor, target);
}

/** The audit reason of a repair, by what the gateway held. */
export const SYNC_REASONS: Record<Exclude<DriftKind, "in_sync"> | "unmarked", string> = {
  missing: "service missing on gateway",
  revision: "gateway behind database",
  ahead: "gateway ahead of database",
  content: "changed on gateway directly",
  /** Same content, but not marked as the portal's (pushed by a portal from before managed_by). */
  unmarked: "not marked as managed by the portal",
};

/** Added to the reason of the one event that ends a failure streak. */
export const RECOVERED = "push recovered after failures";

/** How many differences an audit event keeps (a 512-node service replaced on the gateway). */
const MAX_AUDITED_CHANGES = 50;

/**
 * `settleMs` (reconciliation): a service changed less than this long ago is left to the push
 * of that change, which may still be in flight; it is repaired on a later pass if that push
 * never lands (portal killed half-way, gateway down).
 *
 * Audit: a repair push gets its service.sync event (reason: what the gateway held) before it
 * is sent. With `streaks` (the background reconciler), a service whose last push to this
 * gateway failed is in a failure streak whose failure is on record already (the event of that
 * push): retries add no event, and the retry that lands adds one (reason ending in
 * RECOVERED). So a service that keeps failing is one event per streak, not one per pass. A
 * person's "sync now" is audited every time.
 */
export async function syncGateway(db: Db, actor: Actor, target: GatewayTarget, opts: { settleMs?: number; streaks?: boolean } = {}): Promise<GatewaySyncReport> {
  const report: GatewaySyncReport = { gatewayId: target.id ?? "", gatewayName: target.name, error: null, services: [] };
  const client = createGatewayClient({ adminUrl: target.adminUrl, token: target.token, timeoutMs: 2000 });
  let live;
  try {
    live = new Map((await client.getUpstreams()).map((u) => [u.name, u]));
  } catch (e) {
    const err = toGatewayError(e);
    report.error = { code: err.code, message: err.message };
    return report;
  }
  const rows = await db.service.findMany({ include: { nodes: { orderBy: [{ createdAt: "asc" }, { addr: "asc" }] } }, orderBy: { name: "asc" } });
  for (const row of rows.filter((r) => servesGateway(r.groups, target.group))) {
    let desired = toDesired(row);
    let drift = diffState(desired, live.get(desired.name));
    if (drift.kind !== "in_sync") {
      // The list above may predate a change whose own push has landed since: compare the
      // fresh desired state with the fresh live copy before calling it drift.
      const fresh = await loadDesired(db, desired.name);
      if (!fresh) continue; // deleted meanwhile; its own delete cleans the gateways
      let again;
      try {
        again = await client.getUpstream(desired.name);
      } catch {
        again = live.get(desired.name);
      }
      desired = fresh;
      drift = diffState(desired, again);
      if (opts.settleMs && drift.kind !== "in_sync" && (drift.liveRevision ?? 0) < desired.revision) {
        const changed = await db.service.findUnique({
          where: { name: desired.name },
          select: { updatedAt: true, syncs: { where: { gatewayId: target.id ?? "", pushedRevision: { gte: desired.revision } }, select: { ok: true } } },
        });
        // The push of this revision to this gateway is recorded as done: nothing is in flight.
        if (changed && changed.syncs.length === 0 && Date.now() - changed.updatedAt.getTime() < opts.settleMs) {
          report.services.push({ service: desired.name, revision: desired.revision, drift: "settling", outcome: null, eventId: null });
          continue;
        }
      }
      if (drift.kind === "ahead") {
        // A change committed after `fresh` was read, whose push landed before the GET above,
        // looks the same: only a revision the database still has not issued is "ahead".
        const now = await db.service.findUnique({ where: { name: desired.name }, select: { revision: true } });
        if (!now) continue;
        if (now.revision >= drift.liveRevision!) {
          report.services.push({ service: desired.name, revision: now.revision, drift: "settling", outcome: null, eventId: null });
          continue;
        }
        log.warn("sync.gateway_ahead", { gateway: target.name, service: desired.name, live: drift.liveRevision, desired: desired.revision });
      }
    }
    if (drift.kind === "in_sync") {
      report.services.push({ service: desired.name, revision: desired.revision, drift: drift.kind, outcome: null, eventId: null });
      continue;
    }
    const reason = SYNC_REASONS[drift.kind === "content" && drift.fields.join() === "managed_by" ? "unmarked" : drift.kind];
    const syncEvent = (tx: Tx, e: { before: Prisma.InputJsonValue; after: Prisma.InputJsonValue; reason: string }) =>
      appendAuditEvent(tx, { ...auditActor(actor), action: "service.sync", targetType: "service", targetName: desired.name, serviceName: desired.name, ...e });
    const before = {
      gateway: target.name,
      drift: drift.kind,
      fields: drift.fields,
      changes: drift.changes.slice(0, MAX_AUDITED_CHANGES) as unknown as Prisma.InputJsonValue,
      revision: drift.liveRevision,
    };
    const last = opts.streaks && target.id
      ? await db.gatewaySync.findUnique({ where: { gatewayId_serviceId: { gatewayId: target.id, serviceId: desired.id } }, select: { ok: true, lastSuccessAt: true } })
      : null;
    if (last && !last.ok) {
      const pushed = await pushService(db, desired.name, { targets: [target] });
      const outcome = pushed.outcomes[0] ?? null;
      let eventId: bigint | null = null;
      // The push landed: a failure to write its event is logged, not a failed push.
      if (outcome?.ok) {
        eventId = await db.$transaction(async (tx) => {
          const event = await syncEvent(tx, {
            before: { ...before, lastSuccessAt: last.lastSuccessAt?.toISOString() ?? null },
            after: serviceJson({ ...desired, revision: pushed.revision }),
            reason: `${reason}; ${RECOVERED}`,
          });
          await appendAuditOutcomes(tx, event.id, [outcome]);
          return event.id;
        }).catch((e: unknown) => {
          log.error("sync.audit_failed", { gateway: target.name, service: desired.name, error: e instanceof Error ? e.message : String(e) });
          return null;
        });
      }
      report.services.push({ service: desired.name, revision: pushed.revision, drift: drift.kind, outcome, eventId: eventId?.toString() ?? null });
      continue;
    }
    const eventId = await db.$transaction(async (tx) => (await syncEvent(tx, { before, after: serviceJson(desired), reason })).id);
    const pushed = await pushService(db, desired.name, { eventId, targets: [target] });
    report.services.push({ service: desired.name, revision: pushed.revision, drift: drift.kind, outcome: pushed.outcomes[0] ?? null, eventId: eventId.toString() });
  }
  return report;
}
