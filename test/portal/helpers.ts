// Shared setup of the portal integration tests: a fresh PostgreSQL database with the
// migrations applied (test/support/database.ts), real gateways (test/support/gateway.ts)
// registered in it through prisma/seed.ts as the Gateways page does, and an actor.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import "../support/audit-env"; // registering a gateway is audited
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import { seedGateway } from "../../prisma/seed";
import { freePort } from "../../scripts/lib/net";
import { freshDatabase } from "../support/database";
import { gateway as startGateway } from "../support/gateway";

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
  const t = await freshDatabase();
  return { db: t.db, drop: t.stop };
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
  const row = await seedGateway(db, { name, adminUrl: gw.adminUrl, token });
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

export type Fleet = { db: Db; url: string; gateways: TestGateway[]; stop: () => Promise<void> };

/**
 * A fresh database, real gateways registered under `names`, and `services` (nodes
 * 127.0.0.1:8081 and :8082, nothing listens there) created and pushed to all of them.
 * `stop()` stops the gateways, then disconnects and drops the database.
 */
export async function fleet(names: readonly string[], services: readonly string[]): Promise<Fleet> {
  const t = await freshDatabase();
  const gateways: TestGateway[] = [];
  for (const name of names) gateways.push(await addGateway(t.db, name));
  for (const name of services) {
    await createService(t.db, actor, createServiceSchema.parse({ name, nodes: [{ addr: "127.0.0.1:8081" }, { addr: "127.0.0.1:8082" }] }));
  }
  const stop = async () => {
    for (const gw of gateways) await gw.stop();
    await t.stop();
  };
  return { db: t.db, url: t.url, gateways, stop };
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
