import { apiDeps } from "@/lib/api/deps";
import { servicesApi } from "@/lib/api/services";

export const dynamic = "force-dynamic";

/** Add a node (audited as node.add). */
export async function POST(req: Request, ctx: RouteContext<"/api/v1/services/[name]/nodes">) {
  return servicesApi.addNode(req, apiDeps, (await ctx.params).name);
}
