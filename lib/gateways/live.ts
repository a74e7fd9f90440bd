import "server-only";
// The Gateways page as it changes (issue 15): each gateway's live status check, lost or not,
// last seen, group and sync status over its group's services, and the members per group —
// what the page renders first and what its table polls (/api/gateways/live) afterwards.
import type { Db } from "@/lib/db";
import { isLost, lostAfterFromEnv } from "@/lib/fleet/lost";
import type { Role } from "@/lib/rbac";
import { getGatewaySyncSummaries, type GatewaySyncSummary } from "@/lib/reconcile/status";
import { gatewayErrorLineFor, gatewaysForRole, listGatewaysWithStatus, type GatewayProbe } from "./registry";

export type GatewayLiveRow = {
  id: string;
  name: string;
  adminUrl: string;
  proxyUrl: string | null;
  group: string;
  enrolledAt: string | null;
  lastSeenAt: string | null;
  probe: GatewayProbe;
  lost: boolean;
  sync: GatewaySyncSummary | null;
};

export type GatewaysLive = {
  /** When this was read (ISO). */
  at: string;
  lostAfterMs: number;
  gateways: GatewayLiveRow[];
  groups: { group: string; count: number }[];
};

/** Every gateway as `role` may read it (error details only for ADMIN). */
export async function getGatewaysLive(db: Db, role: Role): Promise<GatewaysLive> {
  const lostAfterMs = lostAfterFromEnv();
  const [all, syncs] = await Promise.all([listGatewaysWithStatus(), getGatewaySyncSummaries(db)]);
  const byGateway = new Map(syncs.map((s) => [s.gatewayId, { ...s, failing: s.failing.map((f) => ({ ...f, error: gatewayErrorLineFor(role, f.error) })) }]));
  const gateways = gatewaysForRole(role, all).map((g) => ({
    id: g.id,
    name: g.name,
    adminUrl: g.adminUrl,
    proxyUrl: g.proxyUrl,
    group: g.group,
    enrolledAt: g.enrolledAt?.toISOString() ?? null,
    lastSeenAt: g.lastSeenAt?.toISOString() ?? null,
    probe: g.probe,
    lost: isLost({ lastSeenAt: g.lastSeenAt, reachable: g.probe.reachable }, lostAfterMs),
    sync: byGateway.get(g.id) ?? null,
  }));
  const counts = new Map<string, number>();
  for (const g of gateways) counts.set(g.group, (counts.get(g.group) ?? 0) + 1);
  const groups = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([group, count]) => ({ group, count }));
  return { at: new Date().toISOString(), lostAfterMs, gateways, groups };
}
