import "server-only";
import { AppError } from "@/lib/errors";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { hashSecretToken, lastUsedDue, secretTokenKind, TOKEN_ORDER, TOKEN_VIEW_SELECT, tokenCreated, tokenRevoked, type SecretTokenView } from "@/lib/secret-tokens";

// Enrollment tokens (issue 15): a gateway started with one registers itself with the portal
// (POST /api/v1/gateways/enroll). "gle_" secret tokens like the API tokens (lib/secret-tokens.ts):
// 256 random bits, shown once, only the SHA-256 and a short prefix kept. Created, listed and
// revoked by ADMINs on the Gateways page (gateways.write), every change audited.

/** The "gle_" kind: make a token, the columns kept of it, read it from a bearer value. */
export const ENROLL_TOKENS = secretTokenKind("gle_");

/** A token as the Gateways page lists it: who made it and how many gateways it enrolled. */
export type EnrollTokenView = SecretTokenView & { createdByEmail: string; gateways: number };

const VIEW_SELECT = { ...TOKEN_VIEW_SELECT, createdByEmail: true, _count: { select: { gateways: true } } } as const;

type Row = SecretTokenView & { createdByEmail: string; _count: { gateways: number } };

function view({ _count, ...row }: Row): EnrollTokenView {
  return { ...row, gateways: _count.gateways };
}

/** A new enrollment token by `actor`; the plaintext is in the result and nowhere else. */
export async function createEnrollToken(
  db: Db,
  actor: Actor,
  input: { name: string; expiresAt?: Date | null },
): Promise<{ token: string; enrollToken: EnrollTokenView }> {
  const token = ENROLL_TOKENS.generate();
  const created = await db.$transaction(async (tx) => {
    const row = await tx.enrollToken.create({
      data: {
        name: input.name,
        ...ENROLL_TOKENS.stored(token),
        createdById: actor.id,
        createdByEmail: actor.email,
        expiresAt: input.expiresAt ?? null,
      },
      select: VIEW_SELECT,
    });
    await auditChange(tx, actor, tokenCreated("enroll_token", row));
    return row;
  });
  return { token, enrollToken: view(created) };
}

export async function listEnrollTokens(db: Db): Promise<EnrollTokenView[]> {
  const rows = await db.enrollToken.findMany({ select: VIEW_SELECT, orderBy: [...TOKEN_ORDER] });
  return rows.map(view);
}

/** Revokes a token: gateways it enrolled stay registered; new enrollments with it get 401. */
export async function revokeEnrollToken(db: Db, actor: Actor, id: string): Promise<EnrollTokenView> {
  return db.$transaction(async (tx) => {
    const token = await tx.enrollToken.findUnique({ where: { id }, select: VIEW_SELECT });
    if (!token) throw new AppError("not_found", `enrollment token ${id} not found`);
    if (token.revokedAt) return view(token);
    const revoked = await tx.enrollToken.update({ where: { id }, data: { revokedAt: new Date() }, select: VIEW_SELECT });
    await auditChange(tx, actor, tokenRevoked("enroll_token", token));
    return view(revoked);
  });
}

export type EnrollTokenCheck =
  | { ok: true; id: string; name: string; prefix: string; createdById: string | null; createdByEmail: string }
  | { ok: false; code: "enroll_token_missing" | "enroll_token_unknown" | "enroll_token_revoked" | "enroll_token_expired" };

/** What a bearer enrollment token is worth: the token row, or why it is refused. */
export async function checkEnrollToken(db: Db, bearer: string | null | undefined, now = new Date()): Promise<EnrollTokenCheck> {
  const token = ENROLL_TOKENS.fromBearer(bearer);
  if (token === "") return { ok: false, code: "enroll_token_missing" };
  if (token === null) return { ok: false, code: "enroll_token_unknown" };
  const row = await db.enrollToken.findUnique({ where: { tokenHash: hashSecretToken(token) } });
  if (!row) return { ok: false, code: "enroll_token_unknown" };
  if (row.revokedAt) return { ok: false, code: "enroll_token_revoked" };
  if (row.expiresAt && row.expiresAt <= now) return { ok: false, code: "enroll_token_expired" };
  if (lastUsedDue(row.lastUsedAt, now)) {
    await db.enrollToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { ok: true, id: row.id, name: row.name, prefix: row.prefix, createdById: row.createdById, createdByEmail: row.createdByEmail };
}
