import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

/** List releases (?service=&status=). */
export function GET(req: Request) {
  return releasesApi.list(req, apiDeps);
}

/** Start a release. */
export function POST(req: Request) {
  return releasesApi.start(req, apiDeps);
}
