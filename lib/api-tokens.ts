import type { SessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isRole } from "@/lib/rbac";
import { auditChange, type Actor } from "@/lib/audit/append";
import { hashSecretToken, lastUsedDue, secretTokenKind, TOKEN_ORDER, TOKEN_VIEW_SELECT, tokenCreated, tokenRevoked, type SecretTokenView } from "@/lib/secret-tokens";

// Personal API tokens for automation (CI/CD calling the portal): "glt_" secret tokens
// (lib/secret-tokens.ts), shown once, kept as their SHA-256 and a short prefix.

/** The "glt_" kind: make a token, the columns kept of it, read it from a bearer value. */
export const API_TOKENS = secretTokenKind("glt_");

export type ApiTokenView = SecretTokenView;

/** Creates a token for `userId`; the plaintext is in the result and nowhere else. */
export async function createApiToken(
  userId: string,
  name: string,
  opts: { expiresAt?: Date | null; actor?: Actor } = {},
): Promise<{ token: string; apiToken: ApiTokenView }> {
  const token = API_TOKENS.generate();
  const apiToken = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { userId, name, ...API_TOKENS.stored(token), expiresAt: opts.expiresAt ?? null },
      select: TOKEN_VIEW_SELECT,
    });
    if (opts.actor) await auditChange(tx, opts.actor, tokenCreated("api_token", created));
    return created;
  });
  return { token, apiToken };
}

export async function listApiTokens(userId: string): Promise<ApiTokenView[]> {
  return db.apiToken.findMany({ where: { userId }, select: TOKEN_VIEW_SELECT, orderBy: [...TOKEN_ORDER] });
}

/** Revokes one of the user's own tokens (the owner condition is in the where). */
export async function revokeApiToken(userId: string, id: string, actor?: Actor): Promise<ApiTokenView> {
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where: { id, userId }, select: TOKEN_VIEW_SELECT });
    if (!token) throw new AppError("not_found", `api token ${id} not found for ${userId}`);
    if (token.revokedAt) return token;
    const revoked = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, select: TOKEN_VIEW_SELECT });
    if (actor) await auditChange(tx, actor, tokenRevoked("api_token", token));
    return revoked;
  });
}

/**
 * The user behind a bearer token ("Bearer glt_…" or the bare token), or null when the
 * token is unknown, revoked, expired, or its user is disabled.
 */
export async function verifyApiToken(bearer: string | null | undefined, now = new Date()): Promise<SessionUser | null> {
  const token = API_TOKENS.fromBearer(bearer);
  if (!token) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashSecretToken(token) },
    select: {
      id: true,
      revokedAt: true,
      expiresAt: true,
      lastUsedAt: true,
      user: { select: { id: true, email: true, name: true, role: true, locale: true, timeZone: true, disabled: true } },
    },
  });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt <= now)) return null;
  const { user } = row;
  if (user.disabled || !isRole(user.role)) return null;
  if (lastUsedDue(row.lastUsedAt, now)) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { id: user.id, email: user.email, name: user.name, role: user.role, locale: user.locale, timeZone: user.timeZone };
}
