import "server-only";
// Per-gateway sync status for the gateways page, from what the pushes and the reconciler
// recorded (GatewaySync rows): no gateway is called here.
import { servesGateway } from "@/lib/fleet/groups";
import type { Db } from "@/lib/db";
import { syncInfo, type SyncInfo } from "@/lib/services/live";

export type GatewaySyncSummary = {
  gatewayId: string;
  /** in_sync: every service's current revision landed; failed: some push failed; pending: some not pushed yet or older; empty: no services. */
  status: "in_sync" | "failed" | "pending" | "empty";
  services: number;
  counts: Record<SyncInfo["status"], number>;
  /** Latest time a push to this gateway succeeded or the reconciler saw it in sync. */
  lastSuccessAt: string | null;
  /** Services whose last push failed here, with the error. */
  failing: { service: string; error: string | null }[];
};

export async function getGatewaySyncSummaries(db: Db): Promise<GatewaySyncSummary[]> {
  const [gateways, gatewayServices, syncs] = await Promise.all([
    db.gateway.findMany({ select: { id: true, group: true }, orderBy: { name: "asc" } }),
    db.service.findMany({ select: { id: true, name: true, revision: true, groups: true }, orderBy: { name: "asc" } }),
    db.gatewaySync.findMany(),
  ]);
  // Keyed once: a lookup per gateway × service, not a scan of every sync row.
  const byPair = new Map(syncs.map((r) => [`${r.gatewayId}\0${r.serviceId}`, r]));
  const byGroup = new Map<string, typeof gatewayServices>();
  const servicesOf = (group: string) => {
    let list = byGroup.get(group);
    if (!list) byGroup.set(group, (list = gatewayServices.filter((s) => servesGateway(s.groups, group))));
    return list;
  };
  return gateways.map(({ id, group }) => {
    const services = servicesOf(group);
    const counts: GatewaySyncSummary["counts"] = { ok: 0, failed: 0, stale: 0, never: 0 };
    const failing: GatewaySyncSummary["failing"] = [];
    let lastSuccess: number | null = null;
    for (const s of services) {
      const info = syncInfo(byPair.get(`${id}\0${s.id}`), s.revision);
      counts[info.status]++;
      if (info.status === "failed") failing.push({ service: s.name, error: info.lastError });
      if (info.lastSuccessAt) lastSuccess = Math.max(lastSuccess ?? 0, Date.parse(info.lastSuccessAt));
    }
    const status = services.length === 0 ? "empty" : counts.failed ? "failed" : counts.ok === services.length ? "in_sync" : "pending";
    return {
      gatewayId: id,
      status,
      services: services.length,
      counts,
      lastSuccessAt: lastSuccess === null ? null : new Date(lastSuccess).toISOString(),
      failing,
    };
  });
}
