import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";

/** The Prisma client the work functions run on (the app's `db`, or a test database's). */
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/** Who does a change: a signed-in user, or the system (reconciliation). */
export type Actor = {
  id: string | null;
  email: string;
  role: string;
  clientIp: string;
  userAgent: string;
};

export const SYSTEM_ACTOR: Actor = { id: null, email: "system", role: "SYSTEM", clientIp: "", userAgent: "graylane" };

/** The actor columns of an audit event. */
export function auditActor(actor: Actor) {
  return { actorId: actor.id, actorEmail: actor.email, actorRole: actor.role, clientIp: actor.clientIp, userAgent: actor.userAgent };
}
