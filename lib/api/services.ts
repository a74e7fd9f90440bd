import "server-only";
// The services and nodes automation API (app/api/v1/services/**): thin wrappers over the
// server functions the UI's actions call (lib/services/mutations.ts), so a pipeline's change
// is locked, revisioned, audited (same action names; actor = the token's user), pushed and
// its per-gateway outcomes returned exactly as a click in the portal.
//
// Optimistic concurrency: `If-Match: <revision>` makes a change refuse with 409 when the
// service has moved on; without it the change applies to the current revision (re-read and
// retried a few times when another change lands in between).
import { z } from "zod";
import { AppError, isAppError, type FieldErrors } from "@/lib/errors";
import { groupsOf } from "@/lib/fleet/groups";
import { setServiceGroups } from "@/lib/fleet/service-groups";
import { serviceGroupsSchema } from "@/lib/validations/group";
import { addNode, createService, deleteService, removeNode, setNodeState, updateNode, updateService, type MutationResult } from "@/lib/services/mutations";
import { loadAllDesired, loadDesired, type StoredService } from "@/lib/services/read";
import type { Db } from "@/lib/db";
import {
  addNodeSchema,
  addrSchema,
  createServiceSchema,
  nodeSchema,
  nodeStateSchema,
  removeNodeSchema,
  setNodeStateSchema,
  updateNodeSchema,
  weightSchema,
} from "@/lib/validations/node";
import { algorithmSchema, deleteServiceSchema, grayRuleSchema, serviceNameSchema, updateServiceSchema } from "@/lib/validations/service";
import { handle, parseInput, type ApiDeps } from "./handler";

/** How often a change without If-Match is retried when another change moved the revision first. */
const CURRENT_REVISION_ATTEMPTS = 3;

/** A service as the API shows it (no database ids). */
function serviceView(s: StoredService) {
  return { name: s.name, revision: s.revision, algorithm: s.algorithm, gray: s.gray, health: s.health ?? null, nodes: s.nodes, groups: [...groupsOf(s.groups)] };
}

function serviceName(raw: string): string {
  return parseInput(serviceNameSchema, raw, "name");
}

/** A node address from the path: routers may hand it over still percent-encoded ("[::1]%3A80"). */
function nodeAddr(raw: string): string {
  let addr = raw;
  if (/%[0-9a-f]{2}/i.test(addr)) {
    try {
      addr = decodeURIComponent(addr);
    } catch {
      // not an encoding: validated as it is
    }
  }
  return parseInput(addrSchema, addr, "addr");
}

/** The revision from `If-Match` ("7", "\"7\"", W/"7"), or null when the header is absent. */
export function ifMatchRevision(req: Request): number | null {
  const raw = req.headers.get("if-match");
  if (raw === null) return null;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new AppError("invalid_input", `bad If-Match ${JSON.stringify(raw.slice(0, 40))}`, { fieldErrors: { "If-Match": ["validation.revision"] } });
  }
  return n;
}

async function currentRevision(db: Db, service: string): Promise<number> {
  const s = await db.service.findUnique({ where: { name: service }, select: { revision: true } });
  if (!s) throw new AppError("not_found", `service ${service} not found`, { params: { service } });
  return s.revision;
}

/**
 * Runs a change at the If-Match revision, or at the current one: a conflict then means another
 * change landed between the read and the write, so the change is tried again on top of it.
 */
async function atRevision<T>(req: Request, db: Db, service: string, change: (revision: number) => Promise<T>): Promise<T> {
  const expected = ifMatchRevision(req);
  if (expected !== null) return change(expected);
  let current = await currentRevision(db, service);
  for (let attempt = 1; ; attempt++) {
    try {
      return await change(current);
    } catch (e) {
      if (!(isAppError(e) && e.code === "conflict") || attempt >= CURRENT_REVISION_ATTEMPTS) throw e;
      // Only a revision that moved is worth another try (not e.g. a node held by a release).
      const now = await currentRevision(db, service);
      if (now === current) throw e;
      current = now;
    }
  }
}

/** Field errors of the shared schemas ("node.addr") as the API body names them ("addr"). */
function withFieldPrefixDropped<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  return fn().catch((e: unknown) => {
    if (!isAppError(e) || !e.fieldErrors) throw e;
    const fieldErrors: FieldErrors = {};
    for (const [k, v] of Object.entries(e.fieldErrors)) fieldErrors[k.startsWith(prefix) ? k.slice(prefix.length) : k] = v;
    throw new AppError(e.code, e.message, { params: e.params, fieldErrors, cause: e.cause, reason: e.reason });
  });
}

function forceFrom(req: Request): boolean {
  const f = new URL(req.url).searchParams.get("force");
  return f === "1" || f === "true";
}

// Bodies. Each field is the shared schema of lib/validations (the forms' rules); the API only
// arranges them: PUT replaces the algorithm and gray rule, a node is posted as itself.
const updateServiceBody = z.object({ algorithm: algorithmSchema, gray: grayRuleSchema, groups: serviceGroupsSchema.optional() });
const groupsBody = z.object({ groups: serviceGroupsSchema.optional() });
const addNodeBody = nodeSchema.extend({ force: z.boolean().default(false) });
const patchNodeBody = z
  .object({
    state: nodeStateSchema.optional(),
    weight: weightSchema.optional(),
    backup: z.boolean().optional(),
    force: z.boolean().default(false),
  })
  .refine((v) => v.state !== undefined || v.weight !== undefined || v.backup !== undefined, { error: "validation.nothingToChange", path: ["state"] });

export const servicesApi = {
  list: (req: Request, deps: ApiDeps) =>
    handle(req, deps, "services.read", async ({ db }) => ({ services: (await loadAllDesired(db)).map(serviceView) })),

  create: (req: Request, deps: ApiDeps) =>
    handle(req, deps, "services.write", async ({ db, actor }, body) => createService(db, actor, { ...parseInput(createServiceSchema, body), groups: parseInput(groupsBody, body).groups }), { status: 201 }),

  get: (req: Request, deps: ApiDeps, rawName: string) =>
    handle(req, deps, "services.read", async ({ db }) => {
      const name = serviceName(rawName);
      const s = await loadDesired(db, name);
      if (!s) throw new AppError("not_found", `service ${name} not found`, { params: { service: name } });
      return { service: serviceView(s) };
    }),

  /** Replaces the algorithm and the gray rule (the node pool is changed through /nodes). */
  update: (req: Request, deps: ApiDeps, rawName: string) =>
    handle(
      req,
      deps,
      "services.write",
      async ({ db, actor }, body) => {
        const service = serviceName(rawName);
        const updated = await atRevision(req, db, service, (revision) => updateService(db, actor, parseInput(updateServiceSchema, { ...body, service, revision })));
        return body.groups ? { ...updated, groups: await setServiceGroups(db, actor, { service, groups: body.groups }) } : updated;
      },
      { body: updateServiceBody },
    ),

  delete: (req: Request, deps: ApiDeps, rawName: string) =>
    handle(req, deps, "services.write", async ({ db, actor }) => {
      const service = serviceName(rawName);
      return atRevision(req, db, service, (revision) => deleteService(db, actor, parseInput(deleteServiceSchema, { service, revision })));
    }),

  addNode: (req: Request, deps: ApiDeps, rawName: string) =>
    handle(
      req,
      deps,
      "nodes.write",
      async ({ db, actor }, { force, ...node }) => {
        const service = serviceName(rawName);
        return withFieldPrefixDropped("node.", () =>
          atRevision(req, db, service, (revision) => addNode(db, actor, parseInput(addNodeSchema, { service, revision, force, node }))),
        );
      },
      { body: addNodeBody, status: 201 },
    ),

  /**
   * State and/or weight and backup of one node. State and weight/backup are separate audited
   * changes in the UI (node.state, node.weight / node.backup): a body with both makes both, in
   * that order, and `changes` lists each; the top level is the last one.
   */
  updateNode: (req: Request, deps: ApiDeps, rawName: string, rawAddr: string) =>
    handle(
      req,
      deps,
      "nodes.write",
      async ({ db, actor }, body) => {
        const service = serviceName(rawName);
        const addr = nodeAddr(rawAddr);
        const changes: MutationResult[] = [];
        let expected = ifMatchRevision(req);
        const next = <T>(fn: (revision: number) => Promise<T>) =>
          expected === null ? atRevision(req, db, service, fn) : fn(expected);
        if (body.state !== undefined) {
          const state = body.state;
          changes.push(await next((revision) => setNodeState(db, actor, parseInput(setNodeStateSchema, { service, revision, addr, state, force: body.force }))));
          if (expected !== null) expected = changes[0].revision;
        }
        if (body.weight !== undefined || body.backup !== undefined) {
          const { weight, backup, force } = body;
          changes.push(await next((revision) => updateNode(db, actor, parseInput(updateNodeSchema, { service, revision, addr, weight, backup, force }))));
        }
        return { ...changes[changes.length - 1], changes };
      },
      { body: patchNodeBody },
    ),

  /** `?force=1` removes a node even when it leaves no stable-capable node. */
  removeNode: (req: Request, deps: ApiDeps, rawName: string, rawAddr: string) =>
    handle(req, deps, "nodes.write", async ({ db, actor }) => {
      const service = serviceName(rawName);
      const addr = nodeAddr(rawAddr);
      return atRevision(req, db, service, (revision) => removeNode(db, actor, parseInput(removeNodeSchema, { service, revision, addr, force: forceFrom(req) })));
    }),
};
