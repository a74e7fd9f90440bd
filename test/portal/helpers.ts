// Shared setup of the portal integration tests: a fresh PostgreSQL database with the
// migrations applied, real gateways registered in it, and an actor.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { encrypt } from "@/lib/crypto";
import { createDbClient } from "@/lib/db";
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { createTestDatabase, ensurePostgresServer } from "../../scripts/lib/database";
import { startGateway } from "../../scripts/lib/gateway";
import { freePort } from "../../scripts/lib/net";

process.env.GRAYLANE_SECRET_KEY ??= randomBytes(32).toString("hex");

export const actor: Actor = { id: "u-op", email: "op@example.test", role: "OPERATOR", clientIp: "203.0.113.9", userAgent: "integration-test" };

export type TestGateway = {
  id: string;
  name: string;
  adminUrl: string;
  proxyUrl: string;
  token: string;
  stateDir: string;
  adminListen: string;
  stop: () => Promise<void>;
  /** Starts it again on the same admin address and state directory. */
  restart: (opts?: { freshState?: boolean }) => Promise<void>;
};

export async function setupDatabase(): Promise<{ db: Db; drop: () => Promise<void> }> {
  const baseUrl = await ensurePostgresServer();
  const t = await createTestDatabase(baseUrl);
  const db = createDbClient(t.url);
  return {
    db,
    drop: async () => {
      await db.$disconnect();
      await t.drop();
    },
  };
}

// State dirs outlive stop() (a test may restart a gateway on its old state): removed at exit.
const stateDirs = new Set<string>();
process.once("exit", () => {
  for (const d of stateDirs) rmSync(d, { recursive: true, force: true });
});

function newStateDir(name: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `graylane-${name}-`));
  stateDirs.add(d);
  return d;
}

export async function addGateway(db: Db, name: string): Promise<TestGateway> {
  const token = randomBytes(16).toString("hex");
  const adminPort = await freePort();
  const adminListen = `127.0.0.1:${adminPort}`;
  let stateDir = newStateDir(name);
  let gw = await startGateway({ token, stateDir, adminListen, workers: 1 });
  const row = await db.gateway.create({ data: { name, adminUrl: gw.adminUrl, tokenEnc: encrypt(token) } });
  let running = true;
  const tg: TestGateway = {
    id: row.id,
    name,
    adminUrl: gw.adminUrl,
    proxyUrl: gw.proxyUrl,
    token,
    get stateDir() {
      return stateDir;
    },
    adminListen,
    stop: async () => {
      if (running) await gw.stop();
      running = false;
    },
    restart: async (opts = {}) => {
      if (running) await gw.stop();
      if (opts.freshState) {
        rmSync(stateDir, { recursive: true, force: true });
        stateDir = newStateDir(name);
      }
      gw = await startGateway({ token, stateDir, adminListen, workers: 1 });
      running = true;
      tg.proxyUrl = gw.proxyUrl;
    },
  };
  return tg;
}

/** One proxied request to `proxyUrl` for the service `host`: its status code. */
export function getVia(proxyUrl: string, host: string): Promise<number> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: "/", headers: { host } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * Creates an unmanaged service on a gateway the way a script using the brief's API would:
 * no manager header, no managed_by (the portal client always names the portal).
 */
export async function putUnmanaged(gw: { adminUrl: string; token: string }, name: string, addr: string): Promise<void> {
  const res = await fetch(`${gw.adminUrl}/upstream_add?upstream=${encodeURIComponent(name)}&server=${encodeURIComponent(addr)}`, { headers: { authorization: `Bearer ${gw.token}` } });
  if (!res.ok) throw new Error(`upstream_add ${name}: ${res.status} ${await res.text()}`);
}
