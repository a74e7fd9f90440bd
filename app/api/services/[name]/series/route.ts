import { apiDeps } from "@/lib/api/deps";
import { liveApi } from "@/lib/api/live";

export const dynamic = "force-dynamic";

/** Requests/s, 5xx rate and p95 per node over the last 15 minutes (sampled every ~10 s). */
export async function GET(req: Request, ctx: RouteContext<"/api/services/[name]/series">) {
  return liveApi.serviceSeries(req, apiDeps, (await ctx.params).name);
}
