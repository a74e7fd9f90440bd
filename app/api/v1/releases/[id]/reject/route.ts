import { approvalsApi } from "@/lib/api/approvals";
import { apiDeps } from "@/lib/api/deps";

export const dynamic = "force-dynamic";

/** Reject the pending request ({ id?, comment }). */
export async function POST(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/reject">) {
  return approvalsApi.reject(req, apiDeps, (await ctx.params).id);
}
