// Runs once when the portal server starts (Node.js runtime only): check the secrets, then
// start the background loops — the release analyzer (lib/releases/runner.ts), the
// gateway reconciler (lib/reconcile/runner.ts), the audit checkpointer (lib/audit/checkpointer.ts),
// the graphs' sampler (lib/metrics/sampler.ts) and the notification worker
// (lib/notifications/worker.ts). Each runs in one portal process of the deployment at a time
// (lib/leader.ts).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { checkStartupConfig } = await import("./lib/startup-check");
  checkStartupConfig();
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // Once per process, even if register() runs again (dev reloads re-evaluate this module).
  const g = globalThis as unknown as { graylaneAnalyzerStarted?: boolean; graylaneReconcilerStarted?: boolean; graylaneCheckpointerStarted?: boolean; graylaneSamplerStarted?: boolean; graylaneNotificationsStarted?: boolean };
  if (!g.graylaneAnalyzerStarted && process.env.GRAYLANE_ANALYZER !== "off") {
    g.graylaneAnalyzerStarted = true;
    const { startReleaseAnalyzer } = await import("./lib/releases/runner");
    startReleaseAnalyzer();
  }
  if (!g.graylaneReconcilerStarted && process.env.GRAYLANE_RECONCILER !== "off") {
    g.graylaneReconcilerStarted = true;
    const { startReconciler } = await import("./lib/reconcile/runner");
    startReconciler();
  }
  // Signed audit checkpoints outside the database (lib/audit/checkpointer.ts).
  if (!g.graylaneCheckpointerStarted && process.env.GRAYLANE_AUDIT_CHECKPOINTS !== "off") {
    g.graylaneCheckpointerStarted = true;
    const { startAuditCheckpointer } = await import("./lib/audit/checkpointer");
    startAuditCheckpointer();
  }
  if (!g.graylaneSamplerStarted && process.env.GRAYLANE_SAMPLER !== "off") {
    g.graylaneSamplerStarted = true;
    const { startSampler } = await import("./lib/metrics/sampler");
    startSampler();
  }
  // Webhook deliveries and gateway out-of-sync alerts (lib/notifications/worker.ts).
  if (!g.graylaneNotificationsStarted && process.env.GRAYLANE_NOTIFICATIONS !== "off") {
    g.graylaneNotificationsStarted = true;
    const { startNotificationWorker } = await import("./lib/notifications/worker");
    startNotificationWorker();
  }
}
