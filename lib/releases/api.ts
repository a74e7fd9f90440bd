import "server-only";
// The release automation API (app/api/v1/releases/**): the same server functions as the
// UI actions, behind a per-user API token (or the session, for the portal's own pages),
// limited to the user's role through lib/rbac and audited with the token's user as actor.
import type { z } from "zod";
import type { SessionUser } from "@/lib/auth";
import { isDbUnreachable } from "@/lib/db";
import { AppError, isAppError, type ErrorCode } from "@/lib/errors";
import { clientIp } from "@/lib/http/client-ip";
import { sessionRequestProblem } from "@/lib/http/same-origin";
import { log } from "@/lib/log";
import { can, type Permission } from "@/lib/rbac";
import { previewQuerySchema, startReleaseSchema, stepReleaseSchema, rollbackReleaseSchema, releaseIdSchema, renewTesterLinkSchema } from "@/lib/validations/release";
import { findNulByte, NUL_BYTE_MESSAGE } from "@/lib/validations/text";
import { apiError } from "./api-errors";
import { promoteRelease, renewTesterLink, rollbackRelease, startRelease, stepRelease } from "./mutations";
import { getLiveSplit, getRelease, getTesterLinks, listReleases, previewStart, previewStep } from "./read";
import type { Actor, Db } from "@/lib/services/db-types";

export type ResolveUser = (req: Request) => Promise<SessionUser | null>;

export type ApiContext = { user: SessionUser; actor: Actor; db: Db };

/** The JSON error body: a stable code, an English message, field keys and their params. */
export function errorResponse(e: unknown): Response {
  const internal = e instanceof Error ? e.message : String(e);
  // A database that cannot be reached is 503 database_unavailable, not a 500.
  const err: AppError = isAppError(e) ? e : new AppError(isDbUnreachable(e) ? "database_unavailable" : "internal", internal, { cause: e });
  if (err.code === "internal" || err.code === "database_unavailable") log.error("api.failed", { code: err.code, error: err.message });
  return Response.json(
    {
      error: {
        ...apiError(err),
        ...(err.fieldErrors ? { fields: err.fieldErrors } : {}),
        ...(Object.keys(err.params).length ? { params: err.params } : {}),
      },
    },
    { status: err.status, headers: { "cache-control": "no-store" } },
  );
}

async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("invalid_input", "body is not JSON", { fieldErrors: { _form: ["validation.json"] } });
  }
}

/** `input` checked by `schema`; errors name their field (`rootField` when `input` itself is the value, e.g. a path id). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, rootField = "_form"): z.output<S> {
  const nul = findNulByte(input);
  if (nul !== null) throw new AppError("invalid_input", `NUL byte in ${nul || rootField}`, { fieldErrors: { [nul || rootField]: [`validation.${NUL_BYTE_MESSAGE}`] } });
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[issue.path.length ? issue.path.join(".") : rootField] ??= []).push(issue.message);
    throw new AppError("invalid_input", "validation failed", { fieldErrors });
  }
  return parsed.data;
}

/**
 * One API call: authenticate (bearer token, else session) → CSRF guard for the session →
 * permission → handler. `body` is read only for methods that carry one.
 * A request is session-authenticated when it has no Authorization header (resolveApiUser never
 * falls back from a bad token to the cookie); a change made with the session must then come from
 * the portal's own origin as application/json (lib/http/same-origin.ts), else 403 cross_origin.
 */
export async function handle<T>(
  req: Request,
  deps: { db: Db; resolveUser: ResolveUser },
  permission: Permission,
  fn: (ctx: ApiContext, body: unknown) => Promise<T>,
  opts: { status?: number } = {},
): Promise<Response> {
  try {
    const user = await deps.resolveUser(req);
    if (!user) throw new AppError("unauthorized", "no valid API token or session");
    if (!req.headers.get("authorization")) {
      const problem = sessionRequestProblem(req);
      if (problem) throw new AppError("cross_origin", `${user.email}: ${problem}`);
    }
    if (!can(user.role, permission)) throw new AppError("forbidden", `${user.email} (${user.role}) lacks ${permission}`);
    const query = findNulByte(new URL(req.url).searchParams);
    if (query !== null) throw new AppError("invalid_input", `NUL byte in ${query}`, { fieldErrors: { [query]: [`validation.${NUL_BYTE_MESSAGE}`] } });
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readJson(req);
    const actor: Actor = { id: user.id, email: user.email, role: user.role, clientIp: clientIp(req.headers), userAgent: req.headers.get("user-agent") ?? "" };
    const data = await fn({ user, actor, db: deps.db }, body);
    return Response.json(data, { status: opts.status ?? 200, headers: { "cache-control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}

// ---- the operations, shared by the route files and the tests ----


type Deps = { db: Db; resolveUser: ResolveUser };

const STATUSES = ["OPEN", "PROMOTED", "ROLLED_BACK"] as const;

export const releasesApi = {
  list: (req: Request, deps: Deps) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const q = new URL(req.url).searchParams;
      const status = q.get("status");
      if (status && !(STATUSES as readonly string[]).includes(status)) {
        throw new AppError("invalid_input", "bad status", { fieldErrors: { status: ["validation.status"] } });
      }
      return { releases: await listReleases(db, { service: q.get("service") ?? undefined, status: (status as (typeof STATUSES)[number]) ?? undefined }) };
    }),
  start: (req: Request, deps: Deps) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) => startRelease(db, actor, parseInput(startReleaseSchema, body)), { status: 201 }),
  get: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const r = await getRelease(db, parseInput(releaseIdSchema, id, "id"));
      if (!r) throw new AppError("not_found", `release ${id} not found`);
      return { release: r };
    }),
  step: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) =>
      stepRelease(db, actor, parseInput(stepReleaseSchema, { ...(body as object), id })),
    ),
  promote: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }) => promoteRelease(db, actor, { id: parseInput(releaseIdSchema, id, "id") })),
  rollback: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) =>
      rollbackRelease(db, actor, parseInput(rollbackReleaseSchema, { ...(body as object), id })),
    ),
  split: (req: Request, deps: Deps, id: string) => handle(req, deps, "releases.read", async ({ db }) => getLiveSplit(db, parseInput(releaseIdSchema, id, "id"))),
  preview: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const p = new URL(req.url).searchParams.get("percent");
      const { percent } = parseInput(previewQuerySchema, { percent: p === null || p === "" ? undefined : p });
      return previewStep(db, parseInput(releaseIdSchema, id, "id"), percent);
    }),
  previewStart: (req: Request, deps: Deps) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const q = new URL(req.url).searchParams;
      return previewStart(db, q.get("service") ?? "", q.getAll("target"), q.get("keepStaticMatchers") === "1");
    }),
  /** A new tester link: new expiry and cookie name; every earlier tester cookie stops routing to gray. */
  renewTesterLink: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) => {
      const result = await renewTesterLink(db, actor, parseInput(renewTesterLinkSchema, { ...(body as object), id }));
      return { ...result, links: await getTesterLinks(db, result.releaseId) };
    }),
  testerLinks: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db }) => ({ links: await getTesterLinks(db, parseInput(releaseIdSchema, id, "id")) })),
};
