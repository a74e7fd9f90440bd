import { db } from "@/lib/db";
import { pollRoute } from "@/lib/metrics/read-route";
import { getReleaseSeries } from "@/lib/metrics/series";
import { releaseIdSchema } from "@/lib/validations/release";

export const dynamic = "force-dynamic";

/** Gray vs stable 5xx rate and p95 over the release, with its traffic steps. */
export async function GET(_req: Request, ctx: RouteContext<"/api/releases/[id]/series">) {
  return pollRoute("releases.read", async () => {
    const id = releaseIdSchema.safeParse((await ctx.params).id);
    return id.success ? getReleaseSeries(db, id.data) : null;
  });
}
