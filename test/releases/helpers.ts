// Setup of the release integration tests: a fresh PostgreSQL database, one real gateway
// (with the tester key) registered with its proxy URL, demo backends, and a service.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { after, before } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import "../support/audit-env"; // registering the gateway and every change are audited
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { createService } from "@/lib/services/mutations";
import { getTesterLinks, type ReleaseDetail } from "@/lib/releases/read";
import { createServiceSchema } from "@/lib/validations/node";
import { seedGateway, seedUser } from "../../prisma/seed";
import type { BackendsHandle } from "../../scripts/lib/backends";
import type { GatewayHandle } from "../../scripts/lib/gateway";
import { freshDatabase } from "../support/database";
import { backends as startBackends, gateway as startGateway } from "../support/gateway";

process.env.GRAYLANE_SECRET_KEY ??= randomBytes(32).toString("hex");
process.env.GRAYLANE_TESTER_KEY ??= randomBytes(24).toString("hex");

export const operator: Actor = { id: null, email: "op@example.test", role: "OPERATOR", clientIp: "203.0.113.7", userAgent: "release-test" };

export type Env = {
  db: Db;
  url: string;
  gw: GatewayHandle & { token: string; name: string; id: string };
  backends: BackendsHandle;
  /** The portal's client for the gateway's admin API (what the tests read the live state with). */
  admin: GatewayClient;
  stop: () => Promise<void>;
};

export async function setup(nBackends = 3): Promise<Env> {
  const t = await freshDatabase();
  const db = t.db;
  const token = randomBytes(16).toString("hex");
  const stateDir = mkdtempSync(path.join(tmpdir(), "graylane-rel-"));
  const gw = await startGateway({ token, stateDir, workers: 1, testerKey: process.env.GRAYLANE_TESTER_KEY });
  const row = await seedGateway(db, { name: "gw-rel", adminUrl: gw.adminUrl, proxyUrl: gw.proxyUrl, token });
  const backends = await startBackends(nBackends);
  return {
    db,
    url: t.url,
    gw: Object.assign(gw, { token, name: row.name, id: row.id }),
    backends,
    admin: createGatewayClient({ adminUrl: gw.adminUrl, token }),
    stop: async () => {
      await backends.stop().catch(() => undefined);
      await gw.stop().catch(() => undefined);
      rmSync(stateDir, { recursive: true, force: true });
      await t.stop();
    },
  };
}

export async function makeService(env: Env, name: string, addrs: string[]): Promise<void> {
  const input = createServiceSchema.parse({
    name,
    // No static matcher (the default): testers come in through the release's signed link.
    nodes: addrs.map((addr) => ({ addr })),
  });
  const r = await createService(env.db, operator, input);
  if (!r.outcomes.every((o) => o.ok)) throw new Error(`push failed: ${JSON.stringify(r.outcomes)}`);
}

export type Hit = { status: number; addr: string; setCookie: string[]; location: string | null; body: string };

/** One request through the gateway's proxy; `from` binds the client socket to a 127/8 address. */
export function hit(proxyUrl: string, opts: { host?: string; path?: string; cookie?: string; from?: string; headers?: Record<string, string> } = {}): Promise<Hit> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: opts.path ?? "/",
        agent: false,
        localAddress: opts.from,
        headers: { ...(opts.host ? { host: opts.host } : {}), ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            addr: String(res.headers["x-backend-addr"] ?? ""),
            setCookie: ([] as string[]).concat(res.headers["set-cookie"] ?? []),
            location: (res.headers.location as string | undefined) ?? null,
            body,
          }),
        );
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** The i-th distinct client address on 127/8 (127.1.0.1, 127.1.0.2, …). */
export function clientAddr(i: number, base = 1): string {
  return `127.${base + Math.floor(i / 65_000)}.${Math.floor((i % 65_000) / 250)}.${(i % 250) + 1}`;
}

/** `n` requests, each from its own client address, `concurrency` at a time; counts per backend addr. */
export async function spread(proxyUrl: string, host: string, n: number, opts: { base?: number; concurrency?: number; cookie?: string } = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const r = await hit(proxyUrl, { host, from: clientAddr(i, opts.base), cookie: opts.cookie });
      const key = r.status === 200 ? r.addr : `status:${r.status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 32 }, worker));
  return counts;
}

/** The release's current tester link ("enter" URL) on the test gateway. */
export async function testerLinkOf(env: Env, releaseId: string): Promise<string> {
  const [link] = await getTesterLinks(env.db, releaseId);
  assert.ok(link, "an open release has a tester link");
  return link.enter;
}

/** Opens a tester link on the gateway: its status, body and the "name=value" tester cookie it sets, if any. */
export async function openTesterLink(env: Env, enter: string): Promise<{ status: number; body: string; cookie: string | null }> {
  const u = new URL(enter);
  const r = await hit(env.gw.proxyUrl, { path: u.pathname + u.search });
  const set = r.setCookie.find((c) => c.startsWith("graylane_t_"));
  return { status: r.status, body: r.body, cookie: set ? set.split(";")[0] : null };
}

/** Follows the release's current tester link on the gateway; returns the "name=value" cookie it sets. */
export async function followTesterLink(env: Env, releaseId: string): Promise<string> {
  const r = await openTesterLink(env, await testerLinkOf(env, releaseId));
  assert.equal(r.status, 302, r.body);
  assert.ok(r.cookie, "a tester cookie is set");
  return r.cookie;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The automation API's callers for `env`: an OPERATOR's and a MANAGER's API token and the
 * deps that resolve them. lib/api-tokens uses the app's db, so it is pointed at this test's
 * database before its first import.
 */
export async function apiTokenCallers(env: Env) {
  process.env.DATABASE_URL = env.url;
  const { createApiToken, verifyApiToken } = await import("@/lib/api-tokens");
  const resolveUser = (req: Request) => verifyApiToken(req.headers.get("authorization"));
  const op = await seedUser(env.db, { email: "ci@example.test", name: "CI", role: "OPERATOR" });
  const mgr = await seedUser(env.db, { email: "boss@example.test", name: "Boss", role: "MANAGER" });
  return {
    resolveUser,
    deps: { db: env.db, resolveUser },
    operatorToken: (await createApiToken(op.id, "pipeline")).token,
    managerToken: (await createApiToken(mgr.id, "reports")).token,
  };
}

/**
 * This test file's env: a fresh setup(nBackends) before its tests, then `init(env)`; after
 * them the app's db client (when the file pointed lib/db at this env's database) is closed
 * and the env stopped. The returned object is filled in by the before hook.
 */
export function withEnv(nBackends = 3, init?: (env: Env) => Promise<void>): Env {
  const env = {} as Env;
  before(async () => {
    Object.assign(env, await setup(nBackends));
    await init?.(env);
  });
  after(async () => {
    if (env.url && process.env.DATABASE_URL === env.url) {
      const { db } = await import("@/lib/db");
      await db.$disconnect();
    }
    await env.stop?.();
  });
  return env;
}

/**
 * The release's last event, checked to be a step the analyzer (the system) took by itself to
 * step `at.step` (`at.percent`), pushed to env's gateway.
 */
export function assertSystemStep(env: Env, release: ReleaseDetail, at: { step: number; percent: number }): ReleaseDetail["timeline"][number] {
  assert.equal(release.currentStep, at.step);
  assert.equal(release.percent, at.percent);
  const ev = release.timeline.at(-1)!;
  assert.equal(ev.action, "release.step");
  assert.equal(ev.actorEmail, "system");
  assert.equal(ev.actorRole, "SYSTEM");
  assert.deepEqual(ev.outcomes.map((o) => [o.gatewayName, o.ok]), [[env.gw.name, true]]);
  return ev;
}
