import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/split">) {
  return releasesApi.split(req, apiDeps, (await ctx.params).id);
}
