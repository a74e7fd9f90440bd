import "server-only";
// Every change of a service the portal makes: each builds the new desired state from the
// one read in the transaction and goes through the one commit path (./commit.ts).
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { createGatewayClient } from "@/lib/gateways/client";
import { toGatewayError } from "@/lib/gateways/errors";
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
import { assertKeepsStable, assertNodeLimit, commitService, conflict, pushCommitted, serviceJson, serviceNotFound, type Committed, type Planned } from "./commit";
import { applyNodeChange, NodeChangeError, sameAddr, type NodeChange } from "./impact";
import { deleteFromGateways } from "./push";
import { loadDesired, type StoredService } from "./read";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { fromGatewayState, type DesiredNode, type DesiredService } from "./state";

export { assertKeepsStable, assertNodeLimit };

/** What every mutation returns: the new revision, its audit event and each gateway's outcome. */
export type MutationResult = Committed;

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

function nodeChangeError(service: string, e: unknown): never {
  if (e instanceof NodeChangeError) {
    if (e.reason === "node_exists") {
      throw new AppError("invalid_input", `${service}: ${e.addr} already present`, { fieldErrors: { "node.addr": ["validation.nodeExists"] } });
    }
    throw new AppError("not_found", `${service}: node ${e.addr} not found`, { params: { service, addr: e.addr } });
  }
  throw e;
}

/**
 * A change of an existing service through the commit path: checked against the revision
 * the form was rendered with, refused while it touches an open release's targets.
 */
function mutate(db: Db, actor: Actor, service: string, expectedRevision: number, change: Change): Promise<MutationResult> {
  return commitService(db, actor, service, expectedRevision, async (tx, before): Promise<Planned> => {
    await refuseReleaseTargetChange(tx, before, change);
    let after: DesiredService;
    try {
      after = change.apply(before);
    } catch (e) {
      nodeChangeError(service, e);
    }
    return {
      after,
      force: change.force,
      audit: (committed) => ({
        action: change.action,
        targetType: change.targetType,
        targetName: change.targetName,
        serviceName: service,
        ...change.audit(before, committed),
      }),
    };
  });
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
      const event = await auditChange(tx, actor, {
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
  return pushCommitted(db, desired.name, eventId, 1);
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
    if (!before) throw serviceNotFound(input.service);
    if (before.revision !== input.revision) throw conflict(input.service);
    const deleted = await tx.service.deleteMany({ where: { id: before.id, revision: before.revision } });
    if (deleted.count !== 1) throw conflict(input.service);
    const event = await auditChange(tx, actor, {
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
  if (!desired) throw serviceNotFound(input.service);
  const eventId = await db.$transaction(async (tx) => {
    const event = await auditChange(tx, actor, {
      action: "service.retry_push",
      targetType: "service",
      targetName: input.service,
      serviceName: input.service,
      before: null,
      after: serviceJson(desired),
    });
    return event.id;
  });
  return pushCommitted(db, input.service, eventId);
}

