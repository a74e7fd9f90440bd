import "server-only";
// Errors at the edge of the portal: any thrown value as an AppError (toAppError, shared by the
// server actions and the route handlers), and the one JSON error shape of every route handler
// under app/api (openapi/graylane.yaml, components.schemas.Error):
//   {"error": {"code", "message", "field"?, "fields"?, "params"?}}
// API clients (CI/CD pipelines) read a precise code — the AppError's `reason` when it has one,
// else its code — and a message written for whoever reads a pipeline log, not the portal's
// browser wording ("Sign in again", "Reload the page").
import { isDbUnreachable } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { log } from "@/lib/log";

/** Any thrown value as an AppError; Prisma's "cannot reach the database" becomes database_unavailable. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const text = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  return new AppError(isDbUnreachable(e) ? "database_unavailable" : "internal", text, { cause: e });
}

const MESSAGES: Record<string, string> = {
  unauthorized: "No valid API token: send `Authorization: Bearer <token>` with a token created in the portal (Settings → API tokens); it may have expired or been revoked.",
  forbidden: "The token's user may not do this: changes need a token of an ADMIN or OPERATOR.",
  cross_origin: "A change made with the portal's session cookie must come from the portal's own pages as application/json; automation sends `Authorization: Bearer <token>` instead.",
  invalid_input: "The request is not valid: `fields` names each field with a message key.",
  not_found: "No such release or service.",
  conflict: "The release or its service changed at the same time: read it again and retry.",
  release_not_open: "The release has ended (promoted or rolled back) and cannot be changed.",
  release_already_open: "The service already has an open release: promote or roll it back first.",
  release_already_paused: "The release is already paused: POST …/resume lets its plan go on.",
  release_not_paused: "The release is not paused: nothing to resume.",
  approval_required: "The service's policy puts this step or promotion behind an approval: a request was filed (GET …/approval); another user with releases.approve must approve it.",
  approval_not_pending: "The approval request was already decided, used or replaced: read GET …/approval again.",
  approval_not_allowed: "The token's user may not approve releases of this service (ADMIN, or MANAGER where the service's policy allows it).",
  self_approval: "Whoever requested an approval cannot approve or reject it: another user must decide.",
  rate_limited: "Too many requests: retry later.",
  gateway_error: "A gateway refused the change or did not answer.",
  database_unavailable: "The portal's database cannot be reached; nothing was changed. Retry in a moment.",
  internal: "Internal error in the portal; nothing may have been changed. Read the release before retrying.",
};

export function apiError(err: AppError): { code: string; message: string } {
  const code = err.reason && MESSAGES[err.reason] ? err.reason : err.code;
  return { code, message: MESSAGES[code] ?? code };
}

/** The error JSON of every route handler; `field` is the first field named in `fields`. */
export function errorResponse(e: unknown): Response {
  const err = toAppError(e);
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
