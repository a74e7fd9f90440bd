import { apiDeps } from "@/lib/api/deps";
import { liveApi } from "@/lib/api/live";

export const dynamic = "force-dynamic";

/** The delivery log of one webhook (portal-only, not part of /api/v1). */
export async function GET(req: Request, ctx: RouteContext<"/api/webhooks/[id]/deliveries">) {
  return liveApi.webhookDeliveries(req, apiDeps, (await ctx.params).id);
}
