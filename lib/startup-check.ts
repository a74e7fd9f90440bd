import { loadAuditKeyring } from "@/lib/audit/keys";
import { gatewayAllowList } from "@/lib/address-policy";
import { parseSecretKey } from "@/lib/crypto";
import { parseCidrs } from "@/lib/http/client-ip";

/** What keeps the portal from starting with `env`, each with how to fix it; empty when all is well. */
export function startupProblems(env: NodeJS.ProcessEnv = process.env): string[] {
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
  // Without it no release can hand out tester links (the page would only explain why);
  // in production that is a misconfiguration, not a mode to run in.
  if (env.NODE_ENV === "production" && !env.GRAYLANE_TESTER_KEY?.trim()) {
    problems.push(
      "GRAYLANE_TESTER_KEY is not set. It signs the tester links of releases and must be the same key the gateways use " +
        "(their GRAYLANE_TESTER_KEY): set both to one random string, e.g. `openssl rand -hex 32`.",
    );
  }
  try {
    gatewayAllowList(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

/**
 * Refuses to start with missing or unusable secrets, with a message that says how to fix
 * it, rather than failing on the first sign-in, gateway call or release.
 */
export function checkStartupConfig(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NEXT_PHASE === "phase-production-build") return;
  const problems = startupProblems(env);
  if (problems.length) {
    for (const p of problems) console.error(`graylane: ${p}`);
    process.exit(1);
  }
}
