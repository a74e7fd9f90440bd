import { apiDeps } from "@/lib/api/deps";
import { servicesApi } from "@/lib/api/services";

export const dynamic = "force-dynamic";

export async function GET(req: Request, ctx: RouteContext<"/api/v1/services/[name]">) {
  return servicesApi.get(req, apiDeps, (await ctx.params).name);
}

/** Replace the algorithm and gray rule (If-Match: <revision> optional). */
export async function PUT(req: Request, ctx: RouteContext<"/api/v1/services/[name]">) {
  return servicesApi.update(req, apiDeps, (await ctx.params).name);
}

export async function DELETE(req: Request, ctx: RouteContext<"/api/v1/services/[name]">) {
  return servicesApi.delete(req, apiDeps, (await ctx.params).name);
}
