import "server-only";
// The one chain of every route handler under app/api (next-auth's own route aside), the HTTP
// twin of lib/actions/safe-action.ts: authenticate (bearer API token, else the session) → CSRF
// guard for a session change → permission (lib/rbac) → NUL bytes → zod → the server function
// the UI's action calls too (so an API call is audited exactly like the click) → one JSON error
// shape (lib/http/errors.ts errorResponse, openapi/graylane.yaml components.schemas.Error).
import type { z } from "zod";
import type { SessionUser } from "@/lib/auth";
import { AppError, zodFieldErrors } from "@/lib/errors";
import { clientIp } from "@/lib/http/client-ip";
import { errorResponse } from "@/lib/http/errors";
import { sessionRequestProblem } from "@/lib/http/same-origin";
import { can, type Permission } from "@/lib/rbac";
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { findNulByte, NUL_BYTE_MESSAGE } from "@/lib/validations/text";

export { errorResponse };

export type ResolveUser = (req: Request) => Promise<SessionUser | null>;

/** What a route hands the chain: the database and how to find the caller. */
export type ApiDeps = { db: Db; resolveUser: ResolveUser };

export type ApiContext = { user: SessionUser; actor: Actor; db: Db };

export type HandleOptions<S extends z.ZodType> = {
  /** Status of a successful JSON answer (default 200). */
  status?: number;
  /** Schema of the JSON body; without one the raw body is handed over. */
  body?: S;
  /**
   * "session": the portal's own polling and download routes (not the documented automation API):
   * the browser's session only; a request with an Authorization header gets 401.
   */
  auth?: "token-or-session" | "session";
};

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
  if (!parsed.success) throw new AppError("invalid_input", "validation failed", { fieldErrors: zodFieldErrors(parsed.error, rootField) });
  return parsed.data;
}

/**
 * One API call: authenticate (bearer token, else session) → CSRF guard for the session →
 * permission → NUL bytes in the query → body (JSON; parsed by `opts.body` when given) → `fn`.
 * `fn` returns the JSON answer, or a Response of its own (a download stream).
 * A request is session-authenticated when it has no Authorization header (resolveApiUser never
 * falls back from a bad token to the cookie); a change made with the session must then come from
 * the portal's own origin as application/json (lib/http/same-origin.ts), else 403 cross_origin.
 */
export async function handle<T, S extends z.ZodType = z.ZodUnknown>(
  req: Request,
  deps: ApiDeps,
  permission: Permission,
  fn: (ctx: ApiContext, body: z.output<S>) => Promise<T>,
  opts: HandleOptions<S> = {},
): Promise<Response> {
  try {
    if (opts.auth === "session" && req.headers.get("authorization")) throw new AppError("unauthorized", "this route takes the portal session only, not an API token");
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
    if (data instanceof Response) return data;
    return Response.json(data, { status: opts.status ?? 200, headers: { "cache-control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}
