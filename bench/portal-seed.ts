// Seeding for `npm run bench:portal`: services and nodes go into the scratch database in
// two INSERT … SELECT statements (no audited actions per node), then each gateway gets
// one full sync through syncGatewayNow — the "sync now" of the gateways page — which
// pushes every service and records its GatewaySync row, so the overview shows the
// services in sync as it would in production.
import pg from "pg";
import { SYSTEM_ACTOR } from "../lib/audit/append";
import type { Db } from "../lib/db";
import { syncGatewayNow } from "../lib/reconcile/sync";
import { DEFAULT_GRAY } from "../lib/services/state";
import { seedGateway } from "../prisma/seed";

export type SeedShape = { services: number; nodesPerService: number };

export const serviceName = (i: number) => `svc-${String(i).padStart(3, "0")}`;

/** The address of node `n` (0-based) of service `s`: one /24 per service, nothing listens there. */
export const nodeAddr = (s: number, n: number) => `10.${20 + Math.floor(s / 250)}.${s % 250}.${n + 1}:8080`;

/**
 * Service `s`, node `n`: mostly active with a few gray/draining/down/backup nodes so every
 * badge of the overview renders. The benchmark's clicked node (s = 1, n = 2) starts active.
 */
function nodeState(s: number, n: number): "active" | "gray" | "draining" | "down" {
  if (n === 9 && s % 4 === 0) return "gray";
  if (n === 8 && s % 10 === 0) return "down";
  if (n === 7 && s % 25 === 0) return "draining";
  return "active";
}

export async function seedServices(sql: pg.Client, shape: SeedShape): Promise<void> {
  const services: string[] = [];
  const nodes: { serviceId: string; addr: string; weight: number; state: string; backup: boolean }[] = [];
  for (let s = 0; s < shape.services; s++) {
    services.push(serviceName(s));
    for (let n = 0; n < shape.nodesPerService; n++) {
      nodes.push({ serviceId: `bench-${serviceName(s)}`, addr: nodeAddr(s, n), weight: 1 + (n % 5), state: nodeState(s, n), backup: n === 6 && s % 20 === 0 });
    }
  }
  await sql.query("BEGIN");
  try {
    await sql.query(
      `INSERT INTO "Service" ("id", "name", "algorithm", "gray", "revision", "updatedAt")
       SELECT 'bench-' || name, name, 'round_robin', $2::jsonb, 1, now() FROM unnest($1::text[]) AS name`,
      [services, JSON.stringify(DEFAULT_GRAY)],
    );
    await sql.query(
      `INSERT INTO "Node" ("id", "serviceId", "addr", "weight", "state", "backup", "updatedAt")
       SELECT 'bench-' || addr, sid, addr, w, st::"NodeState", b, now()
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bool[]) AS t(sid, addr, w, st, b)`,
      [nodes.map((n) => n.serviceId), nodes.map((n) => n.addr), nodes.map((n) => n.weight), nodes.map((n) => n.state), nodes.map((n) => n.backup)],
    );
    await sql.query("COMMIT");
  } catch (e) {
    await sql.query("ROLLBACK").catch(() => {});
    throw e;
  }
}

/**
 * Registers the gateways through prisma/seed.ts, as the Gateways page does (token encrypted
 * with GRAYLANE_SECRET_KEY of this process, which must be the portal's).
 */
export async function registerGateways(db: Db, gateways: readonly { name: string; adminUrl: string; proxyUrl: string; token: string }[]): Promise<string[]> {
  const ids: string[] = [];
  for (const g of gateways) ids.push((await seedGateway(db, g)).id);
  return ids;
}

/**
 * One full sync per gateway, the gateways in parallel. GRAYLANE_SECRET_KEY must be set in
 * this process (syncGatewayNow decrypts the tokens). Throws unless every service landed.
 */
export async function syncAll(db: Db, gatewayIds: readonly string[]): Promise<void> {
  const reports = await Promise.all(gatewayIds.map((id) => syncGatewayNow(db, SYSTEM_ACTOR, id)));
  for (const r of reports) {
    if (r.error) throw new Error(`sync of ${r.gatewayName}: ${r.error.code} ${r.error.message}`);
    const failed = r.services.filter((s) => s.outcome && !s.outcome.ok);
    if (failed.length) {
      const o = failed[0].outcome!;
      throw new Error(`sync of ${r.gatewayName}: ${failed.length} services failed, first ${failed[0].service}: ${o.code} ${o.message}`);
    }
  }
}
