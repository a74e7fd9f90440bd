import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

export async function POST(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/resume">) {
  return releasesApi.resume(req, apiDeps, (await ctx.params).id);
}
