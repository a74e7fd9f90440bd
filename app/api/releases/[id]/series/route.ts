import { apiDeps } from "@/lib/api/deps";
import { liveApi } from "@/lib/api/live";

export const dynamic = "force-dynamic";

/** Gray vs stable 5xx rate and p95 over the release, with its traffic steps. */
export async function GET(req: Request, ctx: RouteContext<"/api/releases/[id]/series">) {
  return liveApi.releaseSeries(req, apiDeps, (await ctx.params).id);
}
