import { apiDeps } from "@/lib/api/deps";
import { gatewaysApi } from "@/lib/api/gateways";

export const dynamic = "force-dynamic";

/** The Gateways page's table (status, lost, last seen, groups, sync); polled by SWR every 5 s. */
export function GET(req: Request) {
  return gatewaysApi.live(req, apiDeps);
}
