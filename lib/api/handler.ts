import "server-only";
// The one chain of every /api/v1 route handler, the HTTP twin of lib/actions/safe-action.ts:
// authenticate (bearer API token, else the session) → CSRF guard for a session change →
// permission (lib/rbac) → NUL bytes → zod → the server function the UI's action calls too
// (so an API call is audited exactly like the click) → one JSON error shape:
//   {"error": {"code", "message", "field"?, "fields"?, "params"?}}
// with messages worded for a pipeline log (lib/releases/api-errors.ts), never the browser's.
import type { z } from "zod";
import type { SessionUser } from "@/lib/auth";
import { isDbUnreachable } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { clientIp } from "@/lib/http/client-ip";
import { sessionRequestProblem } from "@/lib/http/same-origin";
import { log } from "@/lib/log";
import { can, type Permission } from "@/lib/rbac";
import { apiError } from "@/lib/releases/api-errors";
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { findNulByte, NUL_BYTE_MESSAGE } from "@/lib/validations/text";

export type ResolveUser = (req: Request) => Promise<SessionUser | null>;

/** What a route hands the chain: the database and how to find the caller. */
export type ApiDeps = { db: Db; resolveUser: ResolveUser };

export type ApiContext = { user: SessionUser; actor: Actor; db: Db };

/** The error JSON of every API route; `field` is the first field named in `fields`. */
export function errorResponse(e: unknown): Response {
  const internal = e instanceof Error ? e.message : String(e);
  // A database that cannot be reached is 503 database_unavailable, not a 500.
  const err: AppError = isAppError(e) ? e : new AppError(isDbUnreachable(e) ? "database_unavailable" : "internal", internal, { cause: e });
  if (err.code === "internal" || err.code === "database_unavailable") log.error("api.failed", { code: err.code, error: err.message });
  const { code, message } = apiError(err);
  const field = Object.keys(err.fieldErrors ?? {}).find((k) => k !== "_form");
  return Response.json(
    {
      error: {
        code,
        // The first field and its message key in the message too: a pipeline log shows only that line.
        message: field ? `${message} First: ${field} (${err.fieldErrors![field].join(", ")}).` : message,
        ...(field ? { field } : {}),
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
 * permission → NUL bytes in the query → body (JSON; parsed by `opts.body` when given) → `fn`.
 * A request is session-authenticated when it has no Authorization header (resolveApiUser never
 * falls back from a bad token to the cookie); a change made with the session must then come from
 * the portal's own origin as application/json (lib/http/same-origin.ts), else 403 cross_origin.
 */
export async function handle<T, S extends z.ZodType = z.ZodUnknown>(
  req: Request,
  deps: ApiDeps,
  permission: Permission,
  fn: (ctx: ApiContext, body: z.output<S>) => Promise<T>,
  opts: { status?: number; body?: S } = {},
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
    const raw = req.method === "GET" || req.method === "HEAD" ? undefined : await readJson(req);
    const body = opts.body ? parseInput(opts.body, raw) : raw;
    const actor: Actor = { id: user.id, email: user.email, role: user.role, clientIp: clientIp(req.headers), userAgent: req.headers.get("user-agent") ?? "" };
    const data = await fn({ user, actor, db: deps.db }, body as z.output<S>);
    return Response.json(data, { status: opts.status ?? 200, headers: { "cache-control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}
