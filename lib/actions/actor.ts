import type { ActionContext } from "@/lib/actions/safe-action";
import type { Actor } from "@/lib/audit/append";

/** The audited "who" of an action: the signed-in user and where the request came from. */
export function actorFrom(ctx: ActionContext): Actor {
  return { id: ctx.user.id, email: ctx.user.email, role: ctx.user.role, clientIp: ctx.clientIp, userAgent: ctx.userAgent };
}
