import "server-only";
// The portal's own polling routes (SWR widgets): live stats, per-node and per-release series and
// a release's live view. Same chain as the automation API (lib/api/handler.ts) with the session
// only — they are the UI's reads, not part of the documented API — and never cached.
import { AppError } from "@/lib/errors";
import { getNodeSeries, getReleaseSeries } from "@/lib/metrics/series";
import { listDeliveries } from "@/lib/notifications/webhooks";
import { getReleaseLive } from "@/lib/releases/live";
import { getLiveStats } from "@/lib/services/live";
import { releaseIdSchema } from "@/lib/validations/release";
import { serviceNameSchema } from "@/lib/validations/service";
import { webhookIdSchema } from "@/lib/notifications/schema";
import { handle, parseInput, type ApiDeps } from "./handler";

const SESSION = { auth: "session" } as const;

function found<T>(data: T | null, what: string): T {
  if (data === null) throw new AppError("not_found", `${what} not found`);
  return data;
}

export const liveApi = {
  /** Live requests/s, 5xx rate and in-flight counts over every gateway (?service= for one); polled every 2 s. */
  stats: (req: Request, deps: ApiDeps) =>
    handle(
      req,
      deps,
      "services.read",
      async ({ db }) => {
        const raw = new URL(req.url).searchParams.get("service");
        return getLiveStats(db, { service: raw === null ? undefined : parseInput(serviceNameSchema, raw, "service") });
      },
      SESSION,
    ),

  /** Requests/s, 5xx rate and p95 per node of a service over the last 15 minutes. */
  serviceSeries: (req: Request, deps: ApiDeps, rawName: string) =>
    handle(req, deps, "services.read", async ({ db }) => getNodeSeries(db, parseInput(serviceNameSchema, rawName, "name")), SESSION),

  /** Gray vs stable 5xx rate and p95 over a release, with its traffic steps. */
  releaseSeries: (req: Request, deps: ApiDeps, rawId: string) =>
    handle(req, deps, "releases.read", async ({ db }) => found(await getReleaseSeries(db, parseInput(releaseIdSchema, rawId, "id")), `release ${rawId}`), SESSION),

  /** One release as its page shows it (state, share, timeline, analysis, split). */
  release: (req: Request, deps: ApiDeps, rawId: string) =>
    handle(req, deps, "releases.read", async ({ db }) => found(await getReleaseLive(db, parseInput(releaseIdSchema, rawId, "id")), `release ${rawId}`), SESSION),

  /** The delivery log of one webhook (newest first), polled by its page. ADMIN only. */
  webhookDeliveries: (req: Request, deps: ApiDeps, rawId: string) =>
    handle(req, deps, "webhooks.read", async ({ db }) => ({ deliveries: await listDeliveries(db, parseInput(webhookIdSchema, { id: rawId }, "id").id) }), SESSION),
};
