import "server-only";
// The reconciler loop (started from instrumentation.ts): every GRAYLANE_RECONCILE_INTERVAL_MS
// (default 5000) one portal process of the deployment reconciles every gateway.
import { getDb } from "@/lib/db";
import { intervalFromEnv, LEADER_LOCKS, startLeaderLoop, type LeaderHandle } from "@/lib/leader";
import { reconcileOnce, type ReconcileReport } from "./reconcile";

export const DEFAULT_RECONCILE_INTERVAL_MS = 5000;

export function reconcileIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return intervalFromEnv("GRAYLANE_RECONCILE_INTERVAL_MS", DEFAULT_RECONCILE_INTERVAL_MS, env);
}

export type ReconcilerHandle = LeaderHandle & { lastReport(): ReconcileReport | null };

export function startReconciler(opts: { databaseUrl?: string; intervalMs?: number; onPass?: (r: ReconcileReport) => void } = {}): ReconcilerHandle {
  let last: ReconcileReport | null = null;
  const loop = startLeaderLoop({
    name: "reconcile",
    lockId: LEADER_LOCKS.reconciler,
    intervalMs: opts.intervalMs ?? reconcileIntervalFromEnv(),
    databaseUrl: opts.databaseUrl,
    tick: async () => {
      last = await reconcileOnce(getDb());
      opts.onPass?.(last);
    },
  });
  return { ...loop, lastReport: () => last };
}
