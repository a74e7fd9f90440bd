// `npm run gateway`: one Graylane gateway in the foreground, configured by env.
//   GRAYLANE_LISTEN        proxy listener     (default 127.0.0.1:8080)
//   GRAYLANE_ADMIN_LISTEN  admin listener     (default 127.0.0.1:6000)
//   GRAYLANE_ADMIN_TOKEN   admin bearer token (required, at least 16 characters)
//   GRAYLANE_STATE_DIR     snapshot directory (default .graylane/gateway)
//   GRAYLANE_WORKERS       worker processes   (default auto)
//   GRAYLANE_TESTER_KEY    key of signed tester cookies (optional)
//   GRAYLANE_USER          nginx worker user when started as root (default nobody; "user[:group]")
// Self-enrollment (issue 15; done by lua/graylane/enroll.lua, these are passed through to nginx):
//   GRAYLANE_PORTAL_URL + GRAYLANE_ENROLL_TOKEN   register with the portal on start
//   GRAYLANE_GATEWAY_NAME  (default <hostname>-<admin port>)   GRAYLANE_GATEWAY_GROUP (default "default")
//   GRAYLANE_GATEWAY_ADMIN_URL  how the portal reaches the admin API (default http://<GRAYLANE_ADMIN_LISTEN>)
//   GRAYLANE_GATEWAY_PROXY_URL  optional, for tester links
// With enrollment and no GRAYLANE_ADMIN_TOKEN, the per-gateway admin token is generated once
// and kept in <state dir>/admin.token (0600) — the same file enroll.lua uses without Node.
// The nginx prefix goes next to the state dir: <parent>/gateway-prefix-<port>.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { isLoopbackListen, startGateway, tokenProblem } from "./lib/gateway";
import { splitHostPort } from "./lib/net";

function log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ ts: new Date().toISOString(), level, component: "gateway", msg, ...fields }) + "\n");
}

function parseWorkers(v: string | undefined): number | "auto" {
  if (!v || v === "auto") return "auto";
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    log("error", "GRAYLANE_WORKERS must be auto or an integer 1-256", { value: v });
    process.exit(2);
  }
  return n;
}

/** The enrolling gateway's own admin token: <stateDir>/admin.token, created (0600) on first start. */
function enrollAdminToken(stateDir: string): string {
  const file = path.join(stateDir, "admin.token");
  const kept = fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : "";
  if (kept.length >= 16) return kept;
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("hex");
  fs.writeFileSync(file, token + "\n", { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  log("info", "generated the per-gateway admin token", { file });
  return token;
}

async function main(): Promise<void> {
  const enrolling = Boolean(process.env.GRAYLANE_PORTAL_URL?.trim() && process.env.GRAYLANE_ENROLL_TOKEN?.trim());
  const token = process.env.GRAYLANE_ADMIN_TOKEN || (enrolling ? enrollAdminToken(path.resolve(process.env.GRAYLANE_STATE_DIR || ".graylane/gateway")) : "");
  if (!token.trim()) {
    process.stderr.write(
      "GRAYLANE_ADMIN_TOKEN is not set: the gateway refuses to start without an admin token.\n" +
        "Set one, for example:\n" +
        "  export GRAYLANE_ADMIN_TOKEN=$(node -e \"console.log(require('crypto').randomBytes(24).toString('hex'))\")\n" +
        "  npm run gateway\n",
    );
    process.exit(2);
  }
  const weak = tokenProblem(token.trim());
  if (weak) {
    process.stderr.write(
      `GRAYLANE_ADMIN_TOKEN is too short: ${weak}. Anyone who can reach the admin listener could guess it.\n` +
        "Use a long random one, for example:\n" +
        "  export GRAYLANE_ADMIN_TOKEN=$(node -e \"console.log(require('crypto').randomBytes(24).toString('hex'))\")\n",
    );
    process.exit(2);
  }
  const listen = process.env.GRAYLANE_LISTEN || "127.0.0.1:8080";
  const adminListen = process.env.GRAYLANE_ADMIN_LISTEN || "127.0.0.1:6000";
  const stateDir = path.resolve(process.env.GRAYLANE_STATE_DIR || ".graylane/gateway");
  const workers = parseWorkers(process.env.GRAYLANE_WORKERS);
  try {
    splitHostPort(listen);
    splitHostPort(adminListen);
  } catch (e) {
    log("error", "bad listen address", { error: String(e) });
    process.exit(2);
  }
  const prefix = path.join(path.dirname(stateDir), `gateway-prefix-${splitHostPort(listen).port}`);
  if (!isLoopbackListen(adminListen)) {
    log("warn", "the admin API listens on a non-loopback address over plain HTTP: anyone who can reach it and sniff or guess the token controls every service; bind it to 127.0.0.1 or put it behind TLS and a firewall", {
      adminListen,
      risk: "admin_exposed",
    });
  }

  // nginx inherits this environment; the `env` lines of nginx.conf hand these to enroll.lua.
  if (enrolling) process.env.GRAYLANE_GATEWAY_ADMIN_URL ||= `http://${adminListen}`;
  log("info", "starting", { listen, adminListen, stateDir, prefix, workers, enrolling });
  const gw = await startGateway({
    listen,
    adminListen,
    token: token.trim(),
    stateDir,
    workers,
    prefix,
    testerKey: process.env.GRAYLANE_TESTER_KEY || undefined,
    log: (line) => log("info", "nginx", { line }),
  });
  log("info", "ready", { proxy: gw.proxyUrl, admin: gw.adminUrl, masterPid: gw.masterPid, errorLog: gw.errorLog, stateDir });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "stopping", { signal });
    await gw.stop();
    log("info", "stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGHUP", () => {
    log("info", "reloading nginx");
    gw.reload().then(
      () => log("info", "reloaded"),
      (e) => log("error", "reload failed", { error: String(e) }),
    );
  });
  const code = await gw.exited;
  if (!stopping) {
    log("error", "nginx exited unexpectedly", { code, errorLog: gw.errorLog });
    process.exit(1);
  }
}

main().catch((e) => {
  log("error", "failed to start", { error: String(e instanceof Error ? e.message : e) });
  process.exit(1);
});
