import { approvalsApi } from "@/lib/approvals/api";
import { apiDeps } from "@/lib/releases/api-deps";

export const dynamic = "force-dynamic";

/** Reject the pending request ({ id?, comment }). */
export async function POST(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/reject">) {
  return approvalsApi.reject(req, apiDeps, (await ctx.params).id);
}
