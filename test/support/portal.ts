// "Start the portal": the production build (`next start`, rebuilt first when stale) on a
// free loopback port with the keys production requires, shared by test/, bench/ and e2e/.
// GRAYLANE_AUDIT_KEY comes from the caller's environment (test/support/audit-env.ts or the
// caller sets it), so the caller and the portal sign the audit chain with the same key.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { freePort } from "../../scripts/lib/net";
import { ensureBuild, startPortal, type PortalHandle } from "../../scripts/lib/portal";

export type PortalKeys = { secretKey: string; sessionSecret: string; testerKey: string };

/** Fresh random keys; a caller that writes encrypted tokens itself sets GRAYLANE_SECRET_KEY to `secretKey`. */
export function portalKeys(): PortalKeys {
  return { secretKey: randomBytes(32).toString("hex"), sessionSecret: randomBytes(32).toString("hex"), testerKey: randomBytes(32).toString("hex") };
}

export type TestPortal = PortalHandle & { keys: PortalKeys };

export async function startTestPortal(opts: {
  databaseUrl?: string;
  /** Where portal.log goes. */
  dir: string;
  keys?: PortalKeys;
  /** Extra environment (intervals, an embedded database's variables). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}): Promise<TestPortal> {
  ensureBuild(opts.log);
  const keys = opts.keys ?? portalKeys();
  const portal = await startPortal({
    host: "127.0.0.1",
    port: await freePort(),
    logFile: path.join(opts.dir, "portal.log"),
    env: {
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
      GRAYLANE_SECRET_KEY: keys.secretKey,
      GRAYLANE_SESSION_SECRET: keys.sessionSecret,
      GRAYLANE_TESTER_KEY: keys.testerKey,
      ...opts.env,
    },
  });
  return Object.assign(portal, { keys });
}
