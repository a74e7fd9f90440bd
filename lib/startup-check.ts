import { loadAuditKeyring } from "@/lib/audit/keys";
import { parseSecretKey } from "@/lib/crypto";
import { parseCidrs } from "@/lib/http/client-ip";

/**
 * Refuses to start with missing or unusable secrets, with a message that says how to fix
 * it, rather than failing on the first sign-in or gateway call.
 */
export function checkStartupConfig(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NEXT_PHASE === "phase-production-build") return;
  const problems: string[] = [];
  try {
    parseSecretKey(env.GRAYLANE_SECRET_KEY);
  } catch (e) {
    problems.push((e as Error).message);
  }
  try {
    // Production needs GRAYLANE_AUDIT_KEY itself (no derived key); a malformed one fails anywhere.
    loadAuditKeyring(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  try {
    parseCidrs(env.GRAYLANE_TRUSTED_PROXIES); // a typo must not surface as failing sign-ins
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (env.NODE_ENV === "production" && !env.GRAYLANE_SESSION_SECRET && !env.NEXTAUTH_SECRET) {
    problems.push("GRAYLANE_SESSION_SECRET (or NEXTAUTH_SECRET) is not set. It signs sessions: set it to a random string, e.g. `openssl rand -hex 32`.");
  }
  if (problems.length) {
    for (const p of problems) console.error(`graylane: ${p}`);
    process.exit(1);
  }
}
