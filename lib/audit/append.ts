// Who did a change, and the one way a change is written to the audit chain: every
// mutation (services, releases, gateways, users, API tokens, sessions) appends its event
// through auditChange, inside the transaction that makes the change.
import type { AuditEvent } from "../generated/prisma/client";
import { appendAuditEvent, type AuditEventInput, type AuditTx } from "./chain";

/** Who does a change: a signed-in user, the command line, or the system (reconciliation). */
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

/** What a change records besides its actor. */
export type AuditChange = Omit<AuditEventInput, "actorId" | "actorEmail" | "actorRole" | "clientIp" | "userAgent">;

/** Appends `actor`'s change to the audit chain in the caller's transaction. */
export function auditChange(tx: AuditTx, actor: Actor, change: AuditChange): Promise<AuditEvent> {
  return appendAuditEvent(tx, { ...auditActor(actor), ...change });
}
