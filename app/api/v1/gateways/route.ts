import { apiDeps } from "@/lib/api/deps";
import { gatewaysApi } from "@/lib/api/gateways";

export const dynamic = "force-dynamic";

/** Every gateway with a live status check (no tokens). */
export function GET(req: Request) {
  return gatewaysApi.list(req, apiDeps);
}
