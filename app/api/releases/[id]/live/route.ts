import { db } from "@/lib/db";
import { pollRoute } from "@/lib/metrics/read-route";
import { getReleaseLive } from "@/lib/releases/live";
import { releaseIdSchema } from "@/lib/validations/release";

export const dynamic = "force-dynamic";

/** One release as its page shows it (state, share, timeline, analysis, split); polled every 2 s. */
export async function GET(_req: Request, ctx: RouteContext<"/api/releases/[id]/live">) {
  return pollRoute("releases.read", async () => {
    const id = releaseIdSchema.safeParse((await ctx.params).id);
    return id.success ? getReleaseLive(db, id.data) : null;
  });
}
