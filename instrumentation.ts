// Runs once when the portal server starts (Node.js runtime only): check the secrets, then
// start the release analyzer loop (lib/releases/runner.ts).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { checkStartupConfig } = await import("./lib/startup-check");
  checkStartupConfig();
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // Once per process, even if register() runs again (dev reloads re-evaluate this module).
  const g = globalThis as unknown as { graylaneAnalyzerStarted?: boolean };
  if (g.graylaneAnalyzerStarted || process.env.GRAYLANE_ANALYZER === "off") return;
  g.graylaneAnalyzerStarted = true;
  const { startReleaseAnalyzer } = await import("./lib/releases/runner");
  startReleaseAnalyzer();
}
