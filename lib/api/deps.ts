import "server-only";
import { verifyApiToken } from "@/lib/api-tokens";
import type { SessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import type { ApiDeps } from "./handler";

/**
 * A bearer token when one is sent (a wrong one is never retried as the session), else the
 * session. next-auth is loaded only for a session call: token calls (and their tests, which
 * run outside Next.js) never need it.
 */
export async function resolveApiUser(req: Request): Promise<SessionUser | null> {
  const auth = req.headers.get("authorization");
  if (auth) return verifyApiToken(auth);
  const { getSessionUser } = await import("@/lib/auth");
  return getSessionUser();
}

/** What every /api/v1 route passes to its operation: the app's database and caller lookup. */
export const apiDeps: ApiDeps = { db, resolveUser: resolveApiUser };
