import { apiDeps } from "@/lib/api/deps";
import { releasesApi } from "@/lib/api/releases";

export const dynamic = "force-dynamic";

/** The split a start would lead to (?service=&target=…), with the guard rails' verdict. */
export function GET(req: Request) {
  return releasesApi.previewStart(req, apiDeps);
}
