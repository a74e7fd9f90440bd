import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

/** One release with its timeline. */
export async function GET(req: Request, ctx: RouteContext<"/api/v1/releases/[id]">) {
  return releasesApi.get(req, apiDeps, (await ctx.params).id);
}
