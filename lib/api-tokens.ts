import { createHash, randomBytes } from "node:crypto";
import type { SessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { isRole } from "@/lib/rbac";
import { auditChange, type Actor } from "@/lib/audit/append";

// Personal API tokens for automation (CI/CD calling the portal). The token is shown once;
// the database keeps its SHA-256 (a 256-bit random token needs no slow hash) and a short
// prefix so people can tell their tokens apart.

const TOKEN_PREFIX = "glt_";
const PREFIX_LENGTH = TOKEN_PREFIX.length + 8;
// lastUsedAt is informative: write it at most once a minute per token.
const LAST_USED_RESOLUTION_MS = 60_000;

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

const VIEW_SELECT = { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true } as const;

export function hashApiToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

export function generateApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

/** Creates a token for `userId`; the plaintext is in the result and nowhere else. */
export async function createApiToken(
  userId: string,
  name: string,
  opts: { expiresAt?: Date | null; actor?: Actor } = {},
): Promise<{ token: string; apiToken: ApiTokenView }> {
  const token = generateApiToken();
  const apiToken = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { userId, name, prefix: token.slice(0, PREFIX_LENGTH), tokenHash: hashApiToken(token), expiresAt: opts.expiresAt ?? null },
      select: VIEW_SELECT,
    });
    if (opts.actor) {
      await auditChange(tx, opts.actor, {
        action: "api_token.create",
        targetType: "api_token",
        targetName: `${created.name} (${created.prefix}…)`,
        before: null,
        after: { name: created.name, prefix: created.prefix, expiresAt: created.expiresAt?.toISOString() ?? null },
      });
    }
    return created;
  });
  return { token, apiToken };
}

export async function listApiTokens(userId: string): Promise<ApiTokenView[]> {
  return db.apiToken.findMany({ where: { userId }, select: VIEW_SELECT, orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }] });
}

/** Revokes one of the user's own tokens (the owner condition is in the where). */
export async function revokeApiToken(userId: string, id: string, actor?: Actor): Promise<ApiTokenView> {
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where: { id, userId }, select: VIEW_SELECT });
    if (!token) throw new AppError("not_found", `api token ${id} not found for ${userId}`);
    if (token.revokedAt) return token;
    const revoked = await tx.apiToken.update({ where: { id }, data: { revokedAt: new Date() }, select: VIEW_SELECT });
    if (actor) {
      await auditChange(tx, actor, {
        action: "api_token.revoke",
        targetType: "api_token",
        targetName: `${token.name} (${token.prefix}…)`,
        before: { name: token.name, prefix: token.prefix },
        after: null,
      });
    }
    return revoked;
  });
}

/**
 * The user behind a bearer token ("Bearer glt_…" or the bare token), or null when the
 * token is unknown, revoked, expired, or its user is disabled.
 */
export async function verifyApiToken(bearer: string | null | undefined, now = new Date()): Promise<SessionUser | null> {
  const token = bearer?.replace(/^Bearer\s+/i, "").trim();
  if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hashApiToken(token) },
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
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { id: user.id, email: user.email, name: user.name, role: user.role, locale: user.locale, timeZone: user.timeZone };
}
