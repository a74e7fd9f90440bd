import { db } from "@/lib/db";
import { pollRoute } from "@/lib/metrics/read-route";
import { getNodeSeries } from "@/lib/metrics/series";
import { serviceNameSchema } from "@/lib/validations/service";

export const dynamic = "force-dynamic";

/** Requests/s, 5xx rate and p95 per node over the last 15 minutes (sampled every ~10 s). */
export async function GET(_req: Request, ctx: RouteContext<"/api/services/[name]/series">) {
  return pollRoute("services.read", async () => {
    const name = serviceNameSchema.safeParse((await ctx.params).name);
    return name.success ? getNodeSeries(db, name.data) : null;
  });
}
