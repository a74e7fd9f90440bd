// `npm run demo`: database (embedded PGlite unless DATABASE_URL is set), migrations,
// an admin user, the gateway, three demo nodes registered as service `demo`, and the
// portal's production build on http://localhost:3000. Ctrl-C stops all of it.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startBackends, type BackendsHandle } from "./lib/backends";
import { DEMO_ADMIN_EMAIL } from "../prisma/seed";
import { ensureAdminUser, migrateDeploy, startEmbeddedPostgres } from "./lib/database";
import { REPO_ROOT, startGateway } from "./lib/gateway";
import { registerDemo } from "./lib/demo-register";
import { ensureBuild, startPortal } from "./lib/portal";

const STATE = path.join(REPO_ROOT, ".graylane");
const SECRETS_FILE = path.join(STATE, "secrets.json");
const PORTAL_PORT = Number(process.env.GRAYLANE_PORTAL_PORT ?? 3000);
const PROXY_LISTEN = process.env.GRAYLANE_LISTEN ?? "127.0.0.1:8080";
const ADMIN_LISTEN = process.env.GRAYLANE_ADMIN_LISTEN ?? "127.0.0.1:6000";
const BACKEND_PORTS = [8081, 8082, 8083];

type Secrets = { sessionSecret: string; secretKey: string; gatewayToken: string; testerKey: string; auditKey: string; databasePassword: string };

/**
 * Secrets are generated once and kept (mode 0600, in a 0700 directory) so a restarted demo can
 * still decrypt its gateway token and verify its audit chain. One missing from an older file is added.
 */
function loadSecrets(): Secrets {
  mkdirSync(STATE, { recursive: true, mode: 0o700 });
  chmodSync(STATE, 0o700);
  const stored = (existsSync(SECRETS_FILE) ? JSON.parse(readFileSync(SECRETS_FILE, "utf8")) : {}) as Partial<Secrets>;
  const secrets: Secrets = {
    sessionSecret: stored.sessionSecret ?? randomBytes(32).toString("hex"),
    secretKey: stored.secretKey ?? randomBytes(32).toString("hex"),
    gatewayToken: stored.gatewayToken ?? randomBytes(24).toString("hex"),
    testerKey: stored.testerKey ?? randomBytes(32).toString("hex"),
    auditKey: stored.auditKey ?? randomBytes(32).toString("hex"),
    // The embedded database's password (PGlite behind a SCRAM gate, scripts/lib/database.ts).
    databasePassword: stored.databasePassword ?? randomBytes(24).toString("hex"),
  };
  if ((Object.keys(secrets) as (keyof Secrets)[]).some((k) => stored[k] === undefined)) {
    writeFileSync(SECRETS_FILE, JSON.stringify({ ...stored, ...secrets }, null, 2), { mode: 0o600 });
  }
  chmodSync(SECRETS_FILE, 0o600);
  return secrets;
}

/**
 * An enrollment token for gateways started next to the demo (README "Running a fleet"), kept
 * in .graylane/secrets.json as `enrollToken`; a new one when the database does not know the
 * kept one (a fresh database) or it was revoked.
 */
async function ensureEnrollToken(): Promise<void> {
  // Imported late: these modules read DATABASE_URL and the secret key from the environment.
  const { db } = await import("../lib/db");
  const { createEnrollToken } = await import("../lib/enroll/tokens");
  const { hashSecretToken } = await import("../lib/secret-tokens");
  const { SYSTEM_ACTOR } = await import("../lib/audit/append");
  try {
    const stored = JSON.parse(readFileSync(SECRETS_FILE, "utf8")) as { enrollToken?: string };
    const row = stored.enrollToken ? await db.enrollToken.findUnique({ where: { tokenHash: hashSecretToken(stored.enrollToken) } }) : null;
    if (row && !row.revokedAt) return;
    const { token } = await createEnrollToken(db, SYSTEM_ACTOR, { name: "demo" });
    writeFileSync(SECRETS_FILE, JSON.stringify({ ...stored, enrollToken: token }, null, 2), { mode: 0o600 });
    say("portal: created enrollment token \"demo\" (enrollToken in .graylane/secrets.json)");
  } finally {
    await db.$disconnect(); // the embedded database serves one session: hand it to the portal
  }
}

const say = (line: string) => console.log(`demo: ${line}`);
const stops: Array<() => Promise<unknown>> = [];

async function shutdown(code: number): Promise<never> {
  say("stopping…");
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (e) {
      console.error(`demo: stop failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  process.exit(code);
}

async function main(): Promise<void> {
  const secrets = loadSecrets();
  // The portal and the lib/ modules below read their settings from the environment.
  Object.assign(process.env, {
    GRAYLANE_SECRET_KEY: secrets.secretKey,
    GRAYLANE_SESSION_SECRET: secrets.sessionSecret,
    GRAYLANE_TESTER_KEY: secrets.testerKey,
    GRAYLANE_AUDIT_KEY: secrets.auditKey,
  });

  let databaseUrl = process.env.DATABASE_URL;
  let dbEnv: Record<string, string> = {};
  if (databaseUrl) {
    say(`database: ${databaseUrl.replace(/\/\/[^@/]*@/, "//…@")} (DATABASE_URL)`);
  } else {
    say("database: embedded PostgreSQL (PGlite) in .graylane/pgdata");
    const pg = await startEmbeddedPostgres({ dataDir: path.join(STATE, "pgdata"), password: secrets.databasePassword });
    stops.push(() => pg.stop());
    databaseUrl = pg.url;
    dbEnv = pg.env;
  }
  Object.assign(process.env, { DATABASE_URL: databaseUrl, ...dbEnv });
  say("database: applying migrations");
  await migrateDeploy(databaseUrl);

  const admin = await ensureAdminUser();
  // Shown at once too, so a later failure cannot swallow the only copy of the password.
  if (admin) say(`created ${admin.email} with password ${admin.password} (shown once)`);

  say(`gateway: proxy ${PROXY_LISTEN}, admin API ${ADMIN_LISTEN}`);
  const gateway = await startGateway({
    listen: PROXY_LISTEN,
    adminListen: ADMIN_LISTEN,
    token: secrets.gatewayToken,
    testerKey: secrets.testerKey,
    stateDir: path.join(STATE, "gateway"),
    prefix: path.join(STATE, "gateway-prefix"),
    // A browser on http://127.0.0.1:8080/ reaches service `demo` (tester links land there);
    // other Host names still pick their service, e.g. the brief's `localhost`.
    extraProxyConfig: `if ($host = "127.0.0.1") { set $graylane_service demo; }`,
  });
  stops.push(() => gateway.stop());

  say(`demo nodes: ${BACKEND_PORTS.map((p) => `127.0.0.1:${p}`).join(", ")}`);
  const backends: BackendsHandle = await startBackends({ ports: BACKEND_PORTS, version: "v1" });
  stops.push(() => backends.stop());

  await registerDemo(gateway.adminUrl, gateway.proxyUrl, secrets.gatewayToken, backends.addrs, say);
  await ensureEnrollToken();

  ensureBuild(say);
  const portal = await startPortal({
    host: "127.0.0.1",
    port: PORTAL_PORT,
    publicUrl: `http://localhost:${PORTAL_PORT}`,
    logFile: path.join(STATE, "portal.log"),
    env: {
      DATABASE_URL: databaseUrl,
      ...dbEnv,
      GRAYLANE_SECRET_KEY: secrets.secretKey,
      GRAYLANE_SESSION_SECRET: secrets.sessionSecret,
      GRAYLANE_TESTER_KEY: secrets.testerKey,
      GRAYLANE_AUDIT_KEY: secrets.auditKey,
    },
  });
  stops.push(() => portal.stop());

  const login = admin
    ? `${admin.email} / ${admin.password}   (shown once; change it in Users)`
    : `${DEMO_ADMIN_EMAIL} (password printed at its first start; reset: npm run user -- set-password --email ${DEMO_ADMIN_EMAIL})`;
  console.log(`
  Graylane is running.

  Portal        ${portal.url}          log: .graylane/portal.log
  Login         ${login}
  Gateway       ${gateway.proxyUrl}/   (service "demo"; any other Host header picks that service)
  Admin API     ${gateway.adminUrl}   token in .graylane/secrets.json (gatewayToken)
                e.g. curl -H "Authorization: Bearer $(node -p "require('./.graylane/secrets.json').gatewayToken")" \\
                       '${gateway.adminUrl}/upstream_list?upstream=demo'
  Demo nodes    ${backends.addrs.join(", ")} (service "demo")
  Enroll        another gateway: GRAYLANE_PORTAL_URL=${portal.url} \\
                GRAYLANE_ENROLL_TOKEN=$(node -p "require('./.graylane/secrets.json').enrollToken") \\
                GRAYLANE_LISTEN=127.0.0.1:8090 GRAYLANE_ADMIN_LISTEN=127.0.0.1:6010 GRAYLANE_STATE_DIR=.graylane/gw2 npm run gateway

  Press Ctrl-C to stop everything.
`);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
main().catch(async (e) => {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}`);
  await shutdown(1);
});
