// "Gateway out of sync for more than a minute": from what the pushes and the reconciler
// record (lib/reconcile/status.ts, Gateway.lastError) — no gateway is called here. A gateway
// is out of sync while some service's push failed or has not landed, or while the reconciler
// cannot read it. One notification per streak: GatewayAlert remembers when the streak began
// and whether it was notified; back in sync ends the streak.
import type { Db } from "@/lib/db";
import { getGatewaySyncSummaries } from "@/lib/reconcile/status";
import { emit, newPayload, publicUrl } from "./events";

export function outOfSyncAlertMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GRAYLANE_OUT_OF_SYNC_ALERT_MS;
  if (raw === undefined || raw === "") return 60_000;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`GRAYLANE_OUT_OF_SYNC_ALERT_MS must be an integer ≥ 0, got "${raw}".`);
  return v;
}

/** Returns the names of the gateways notified in this check. */
export async function checkGatewaySync(db: Db, thresholdMs = outOfSyncAlertMsFromEnv(), now = new Date()): Promise<string[]> {
  const [gateways, summaries, alerts] = await Promise.all([
    db.gateway.findMany({ select: { id: true, name: true, lastError: true } }),
    getGatewaySyncSummaries(db),
    db.gatewayAlert.findMany(),
  ]);
  const notified: string[] = [];
  const known = new Set(gateways.map((g) => g.id));
  const stale = alerts.filter((a) => !known.has(a.gatewayId)).map((a) => a.gatewayId);
  if (stale.length) await db.gatewayAlert.deleteMany({ where: { gatewayId: { in: stale } } });
  for (const g of gateways) {
    const s = summaries.find((x) => x.gatewayId === g.id);
    const out = g.lastError !== null || s?.status === "failed" || s?.status === "pending";
    const alert = alerts.find((a) => a.gatewayId === g.id);
    if (!out) {
      if (alert) await db.gatewayAlert.delete({ where: { gatewayId: g.id } }).catch(() => undefined);
      continue;
    }
    if (!alert) {
      await db.gatewayAlert.create({ data: { gatewayId: g.id, since: now } }).catch(() => undefined);
      if (thresholdMs > 0) continue;
    }
    const since = alert?.since ?? now;
    if (alert?.notifiedAt || now.getTime() - since.getTime() < thresholdMs) continue;
    await db.$transaction(async (tx) => {
      // Claim the streak first: a second checker (or a retried pass) does not notify twice.
      const claimed = await tx.gatewayAlert.updateMany({ where: { gatewayId: g.id, notifiedAt: null }, data: { notifiedAt: now } });
      if (claimed.count !== 1) return;
      await emit(
        tx,
        newPayload("gateway.out_of_sync", {
          gateway: { id: g.id, name: g.name, outOfSyncSince: since.toISOString(), status: s?.status ?? "unreachable", failing: s?.failing ?? [], lastError: g.lastError },
          url: publicUrl("/gateways"),
        }, now),
      );
      notified.push(g.name);
    });
  }
  return notified;
}
