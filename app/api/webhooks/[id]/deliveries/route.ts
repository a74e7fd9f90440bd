import { apiDeps } from "@/lib/api/deps";
import { handle } from "@/lib/api/handler";
import { listDeliveries } from "@/lib/notifications/webhooks";

export const dynamic = "force-dynamic";

/** The delivery log of one webhook (newest first): what the log page polls (portal-only, not part of /api/v1). ADMIN only. */
export async function GET(req: Request, ctx: RouteContext<"/api/webhooks/[id]/deliveries">) {
  const { id } = await ctx.params;
  return handle(req, apiDeps, "webhooks.read", async ({ db }) => ({ deliveries: await listDeliveries(db, id) }));
}
