// Runs once when the portal server starts (Node.js runtime only): check the secrets, then
// start the background loops below. Each runs in one portal process of the deployment at a
// time (lib/leader.ts); an environment variable set to "off" keeps one from starting here.
const LOOPS: { name: string; env: string; start: () => Promise<unknown> }[] = [
  { name: "analyzer", env: "GRAYLANE_ANALYZER", start: () => import("./lib/releases/runner").then((m) => m.startReleaseAnalyzer()) },
  { name: "reconciler", env: "GRAYLANE_RECONCILER", start: () => import("./lib/reconcile/runner").then((m) => m.startReconciler()) },
  // Signed audit checkpoints outside the database.
  { name: "checkpointer", env: "GRAYLANE_AUDIT_CHECKPOINTS", start: () => import("./lib/audit/checkpointer").then((m) => m.startAuditCheckpointer()) },
  // The graphs' samples of the gateways' live numbers.
  { name: "sampler", env: "GRAYLANE_SAMPLER", start: () => import("./lib/metrics/sampler").then((m) => m.startSampler()) },
  // Webhook deliveries and gateway out-of-sync alerts.
  { name: "notifications", env: "GRAYLANE_NOTIFICATIONS", start: () => import("./lib/notifications/worker").then((m) => m.startNotificationWorker()) },
];

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { checkStartupConfig } = await import("./lib/startup-check");
  checkStartupConfig();
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // Once per process, even if register() runs again (dev reloads re-evaluate this module).
  const g = globalThis as unknown as { graylaneLoopsStarted?: Set<string> };
  const started = (g.graylaneLoopsStarted ??= new Set());
  for (const loop of LOOPS) {
    if (started.has(loop.name) || process.env[loop.env] === "off") continue;
    started.add(loop.name);
    await loop.start();
  }
}
