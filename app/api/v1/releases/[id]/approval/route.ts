import { approvalsApi } from "@/lib/api/approvals";
import { apiDeps } from "@/lib/api/deps";

export const dynamic = "force-dynamic";

/** The release's pending (else latest) approval request, its policy, plan and live comparison. */
export async function GET(req: Request, ctx: RouteContext<"/api/v1/releases/[id]/approval">) {
  return approvalsApi.get(req, apiDeps, (await ctx.params).id);
}
