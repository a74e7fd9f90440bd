import { apiDeps } from "@/lib/api/deps";
import { servicesApi } from "@/lib/api/services";

export const dynamic = "force-dynamic";

/** Change a node's state, weight and/or backup flag. */
export async function PATCH(req: Request, ctx: RouteContext<"/api/v1/services/[name]/nodes/[addr]">) {
  const { name, addr } = await ctx.params;
  return servicesApi.updateNode(req, apiDeps, name, addr);
}

/** Remove a node (?force=1 when it leaves no stable-capable node). */
export async function DELETE(req: Request, ctx: RouteContext<"/api/v1/services/[name]/nodes/[addr]">) {
  const { name, addr } = await ctx.params;
  return servicesApi.removeNode(req, apiDeps, name, addr);
}
