import { apiDeps } from "@/lib/api/deps";
import { liveApi } from "@/lib/api/live";

export const dynamic = "force-dynamic";

/** Live requests/s, 5xx rate and in-flight counts over every gateway; polled by SWR every 2 s. */
export function GET(req: Request) {
  return liveApi.stats(req, apiDeps);
}
