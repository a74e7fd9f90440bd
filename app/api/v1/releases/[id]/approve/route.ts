import { approvalsApi } from "@/lib/api/approvals";
import { apiDeps } from "@/lib/api/deps";

export const dynamic = "force-dynamic";

/** Approve the pending request ({ id?, comment }) and make the approved change. */
export async function POST(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/approve">) {
  return approvalsApi.approve(req, apiDeps, (await ctx.params).id);
}
