import { apiDeps } from "@/lib/releases/api-deps";
import { releasesApi } from "@/lib/releases/api";

export const dynamic = "force-dynamic";

/** List releases (?service=&status=). */
export function GET(req: Request) {
  return releasesApi.list(req, apiDeps);
}

/** Start a release. */
export function POST(req: Request) {
  return releasesApi.start(req, apiDeps);
}
