// Runs once when the portal server starts: refuse to start with missing secrets
// rather than fail on the first sign-in or gateway call.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || process.env.NEXT_PHASE === "phase-production-build") return;
  const problems: string[] = [];
  const { parseSecretKey } = await import("./lib/crypto");
  try {
    parseSecretKey(process.env.GRAYLANE_SECRET_KEY);
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (process.env.NODE_ENV === "production" && !process.env.GRAYLANE_SESSION_SECRET && !process.env.NEXTAUTH_SECRET) {
    problems.push("GRAYLANE_SESSION_SECRET (or NEXTAUTH_SECRET) is not set. It signs sessions: set it to a random string, e.g. `openssl rand -hex 32`.");
  }
  if (problems.length) {
    for (const p of problems) console.error(`graylane: ${p}`);
    process.exit(1);
  }
}
