import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

/** A new tester link (body: {hours}); the links and cookies handed out before stop routing to gray. */
export async function POST(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/tester-link">) {
  return releasesApi.renewTesterLink(req, apiDeps, (await ctx.params).id);
}
