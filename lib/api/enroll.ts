import "server-only";
// POST /api/v1/gateways/enroll (issue 15). Its own authentication, not handler.ts's session/API token:
// the caller is a gateway holding an enrollment token, which is neither a user nor a session.
// Errors keep the API's JSON shape {"error": {"code", "message", "field"?, "fields"?}}; a
// refused token is 401 with a code saying why (missing, unknown, revoked, expired).
import { errorResponse, parseInput, type ApiDeps } from "@/lib/api/handler";
import { AppError } from "@/lib/errors";
import { clientIp } from "@/lib/http/client-ip";
import { log } from "@/lib/log";
import type { Db } from "@/lib/db";
import { enrollGateway, enrollmentActor } from "@/lib/enroll/enroll";
import { enrollSchema } from "@/lib/enroll/schema";
import { checkEnrollToken } from "@/lib/enroll/tokens";
import { reconcileEnrolled } from "@/lib/reconcile/reconcile";

const TOKEN_MESSAGES: Record<string, string> = {
  enroll_token_missing: "Send the enrollment token as 'Authorization: Bearer gle_…' (GRAYLANE_ENROLL_TOKEN on the gateway).",
  enroll_token_unknown: "This enrollment token is not known to the portal: create one on the Gateways page and set GRAYLANE_ENROLL_TOKEN.",
  enroll_token_revoked: "This enrollment token was revoked: create a new one on the Gateways page and set GRAYLANE_ENROLL_TOKEN.",
  enroll_token_expired: "This enrollment token has expired: create a new one on the Gateways page and set GRAYLANE_ENROLL_TOKEN.",
};

const MESSAGES: Record<string, string> = {
  gateway_name_taken:
    "A gateway of this name was registered by hand or by another enrollment token: set another GRAYLANE_GATEWAY_NAME, or delete the gateway on the Gateways page first.",
  gateway_unreachable: "The portal could not read /v1/status at the admin URL with the admin token sent: check GRAYLANE_GATEWAY_ADMIN_URL and that the portal can reach it.",
};

function json(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

export async function enrollRoute(req: Request, deps: { db: Db }): Promise<Response> {
  const ip = clientIp(req.headers);
  try {
    const token = await checkEnrollToken(deps.db, req.headers.get("authorization"));
    if (!token.ok) {
      log.warn("gateway.enroll_refused", { code: token.code, clientIp: ip });
      return json(401, { error: { code: token.code, message: TOKEN_MESSAGES[token.code] } });
    }
    let raw: unknown;
    try {
      raw = JSON.parse((await req.text()) || "{}");
    } catch {
      throw new AppError("invalid_input", "body is not JSON", { fieldErrors: { _form: ["validation.json"] } });
    }
    const input = parseInput(enrollSchema, raw);
    const result = await enrollGateway(deps.db, token, enrollmentActor(token, { clientIp: ip, userAgent: req.headers.get("user-agent") ?? "" }), input);
    // Its group's services right away, not at the next pass; the gateway is answered first.
    void reconcileEnrolled(deps.db, result.gateway.id);
    return json(result.created ? 201 : 200, result);
  } catch (e) {
    if (e instanceof AppError && e.reason && MESSAGES[e.reason]) {
      log.warn("gateway.enroll_failed", { code: e.reason, error: e.message, clientIp: ip });
      const field = Object.keys(e.fieldErrors ?? {})[0];
      return json(e.status, { error: { code: e.reason, message: MESSAGES[e.reason], ...(field ? { field } : {}), ...(Object.keys(e.params).length ? { params: e.params } : {}) } });
    }
    return errorResponse(e);
  }
}

/** The enrollment operation, called by its route like every other operation of lib/api. */
export const enrollApi = {
  enroll: (req: Request, deps: Pick<ApiDeps, "db">) => enrollRoute(req, deps),
};
