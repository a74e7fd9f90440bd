import { apiDeps } from "@/lib/api/deps";
import { servicesApi } from "@/lib/api/services";

export const dynamic = "force-dynamic";

/** Every service with its nodes and revision. */
export function GET(req: Request) {
  return servicesApi.list(req, apiDeps);
}

/** Create a service (revision 1), pushed to every gateway. */
export function POST(req: Request) {
  return servicesApi.create(req, apiDeps);
}
