import { createHash, randomBytes } from "node:crypto";
import type { AuditChange } from "@/lib/audit/append";

// The bearer secrets the portal hands out: personal API tokens (glt_…, lib/api-tokens.ts) and
// gateway enrollment tokens (gle_…, lib/enroll/tokens.ts). 256 random bits behind a kind
// prefix, shown once; the database keeps the SHA-256 (a 256-bit random token needs no slow
// hash) and a short prefix so people can tell their tokens apart.

// lastUsedAt is informative: write it at most once a minute per token.
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashSecretToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** One kind of token, told apart by its prefix ("glt_", "gle_"). */
export function secretTokenKind(kindPrefix: string) {
  return {
    generate: (): string => kindPrefix + randomBytes(32).toString("base64url"),
    /** The columns the database keeps of a new token: its short prefix and its hash. */
    stored: (token: string) => ({ prefix: token.slice(0, kindPrefix.length + 8), tokenHash: hashSecretToken(token) }),
    /**
     * The token in a bearer value ("Bearer x…" or the bare token): "" when there is none,
     * null when it cannot be a token of this kind (another prefix, or too long to be one).
     */
    fromBearer: (bearer: string | null | undefined): string | null => {
      const token = bearer?.replace(/^Bearer\s+/i, "").trim() ?? "";
      if (!token) return "";
      return token.startsWith(kindPrefix) && token.length <= 200 ? token : null;
    },
  };
}

/** Whether a token used `now` gets its lastUsedAt written (at most once a minute). */
export function lastUsedDue(lastUsedAt: Date | null, now: Date): boolean {
  return !lastUsedAt || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}

/** What the token lists show of a token (never its hash). */
export type SecretTokenView = {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

/** The Prisma select of SecretTokenView. */
export const TOKEN_VIEW_SELECT = { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, expiresAt: true, revokedAt: true } as const;

type TokenRow = Pick<SecretTokenView, "name" | "prefix" | "expiresAt">;

/** The audit entry of a token's creation (`targetType` "api_token", "enroll_token"). */
export function tokenCreated(targetType: string, row: TokenRow): AuditChange {
  return {
    action: `${targetType}.create`,
    targetType,
    targetName: `${row.name} (${row.prefix}…)`,
    before: null,
    after: { name: row.name, prefix: row.prefix, expiresAt: row.expiresAt?.toISOString() ?? null },
  };
}

/** The audit entry of a token's revocation. */
export function tokenRevoked(targetType: string, row: TokenRow): AuditChange {
  return {
    action: `${targetType}.revoke`,
    targetType,
    targetName: `${row.name} (${row.prefix}…)`,
    before: { name: row.name, prefix: row.prefix },
    after: null,
  };
}

/** Newest unrevoked first, then the revoked ones, newest first: how token lists are shown. */
export const TOKEN_ORDER = [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }] as const;
