import "server-only";
// GET /api/v1/gateways: the Gateways page's list (registry row + a live status check), as the
// caller's role may read it. Never a token: GatewayView carries none, not even encrypted.
import { gatewaysForRole, listGatewaysWithStatus } from "@/lib/gateways/registry";
import { handle, type ApiDeps } from "./handler";

export const gatewaysApi = {
  list: (req: Request, deps: ApiDeps) =>
    handle(req, deps, "gateways.read", async ({ user }) => ({ gateways: gatewaysForRole(user.role, await listGatewaysWithStatus()) })),
};
