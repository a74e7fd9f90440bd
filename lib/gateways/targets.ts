import "server-only";
import { decrypt } from "@/lib/crypto";
import type { GatewayTarget } from "@/lib/gateways/fanout";
import { log } from "@/lib/log";
import type { Db } from "@/lib/db";

/**
 * Every registered gateway with its admin token decrypted. Server side only: the result
 * holds secrets and must never reach props, action results or logs.
 */
export async function loadGatewayTargets(db: Db, where: { id?: string } = {}): Promise<GatewayTarget[]> {
  const rows = await db.gateway.findMany({ where, orderBy: { name: "asc" } });
  return Promise.all(
    rows.map(async (g) => {
      let token = "";
      try {
        token = await decrypt(g.tokenEnc);
      } catch (e) {
        // A wrong GRAYLANE_SECRET_KEY: the gateway will answer 401 and the outcome says so.
        log.warn("gateway.token_unreadable", { gateway: g.name, error: e instanceof Error ? e.message : String(e) });
      }
      return { id: g.id, name: g.name, adminUrl: g.adminUrl, token, group: g.group };
    }),
  );
}
