import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

export async function POST(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/pause">) {
  return releasesApi.pause(req, apiDeps, (await ctx.params).id);
}
