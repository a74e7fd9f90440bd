import { apiDeps } from "@/lib/api/deps";
import { liveApi } from "@/lib/api/live";

export const dynamic = "force-dynamic";

/** One release as its page shows it (state, share, timeline, analysis, split); polled every 2 s. */
export async function GET(req: Request, ctx: RouteContext<"/api/releases/[id]/live">) {
  return liveApi.release(req, apiDeps, (await ctx.params).id);
}
