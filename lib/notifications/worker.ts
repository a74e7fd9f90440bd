import "server-only";
// The notification worker (started from instrumentation.ts): one portal process of the
// deployment (leader lock LEADER_LOCKS.notifications) sends due webhook deliveries every
// GRAYLANE_WEBHOOK_INTERVAL_MS (default 1000) and checks for gateways out of sync.
import { getDb } from "@/lib/db";
import { LEADER_LOCKS, startLeaderLoop, type LeaderHandle } from "@/lib/leader";
import type { Db } from "@/lib/db";
import { checkGatewaySync, outOfSyncAlertMsFromEnv } from "./gateway-alerts";
import { deliverDue, outboxOptionsFromEnv } from "./outbox";
import { webhookAllowList } from "./policy";

export function startNotificationWorker(opts: { databaseUrl?: string; db?: Db; intervalMs?: number } = {}): LeaderHandle {
  // Bad settings fail the start, with the variable named, not every delivery later.
  const options = outboxOptionsFromEnv();
  const alertMs = outOfSyncAlertMsFromEnv();
  webhookAllowList();
  const raw = process.env.GRAYLANE_WEBHOOK_INTERVAL_MS;
  const intervalMs = opts.intervalMs ?? (raw ? Number(raw) : 1000);
  if (!Number.isInteger(intervalMs) || intervalMs < 50) throw new Error(`GRAYLANE_WEBHOOK_INTERVAL_MS must be an integer ≥ 50, got "${raw}".`);
  // The sync check reads every gateway's sync rows: every 5 s is plenty for a 60 s threshold.
  let lastSyncCheck = 0;
  return startLeaderLoop({
    name: "notifications",
    lockId: LEADER_LOCKS.notifications,
    intervalMs,
    databaseUrl: opts.databaseUrl,
    tick: async () => {
      const db = opts.db ?? getDb();
      if (Date.now() - lastSyncCheck >= Math.min(5000, Math.max(alertMs, intervalMs))) {
        lastSyncCheck = Date.now();
        await checkGatewaySync(db, alertMs);
      }
      // Drain what is due (a burst of events is more than one batch).
      for (let i = 0; i < 10; i++) {
        const r = await deliverDue(db, options);
        if (r.delivered + r.retry + r.failed < options.batch) break;
      }
    },
  });
}
