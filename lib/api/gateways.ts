import "server-only";
// GET /api/v1/gateways: the Gateways page's list (registry row + a live status check), as the
// caller's role may read it. Never a token: GatewayView carries none, not even encrypted.
// GET /api/gateways/live: the same for the page's polling table (the session only).
import { getGatewaysLive } from "@/lib/gateways/live";
import { gatewaysForRole, listGatewaysWithStatus } from "@/lib/gateways/registry";
import { handle, type ApiDeps } from "./handler";

export const gatewaysApi = {
  list: (req: Request, deps: ApiDeps) =>
    handle(req, deps, "gateways.read", async ({ user }) => ({ gateways: gatewaysForRole(user.role, await listGatewaysWithStatus()) })),

  /** The Gateways page's table as it changes (status, lost, last seen, groups, sync), polled by the page; the session only. */
  live: (req: Request, deps: ApiDeps) => handle(req, deps, "gateways.read", async ({ db, user }) => getGatewaysLive(db, user.role), { auth: "session" }),
};
