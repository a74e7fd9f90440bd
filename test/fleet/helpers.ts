// Shared setup of the fleet tests (issue 15): a test database, a portal stand-in that serves
// the real enrollment route (lib/enroll/api.ts) over real HTTP — what enroll.lua talks to —
// and gateways started the way an operator starts them (`npm run gateway`, env only).
import "../support/audit-env";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { Db } from "@/lib/db";
import { freePort } from "../../scripts/lib/net";

process.env.GRAYLANE_SECRET_KEY ??= randomBytes(32).toString("hex");

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const admin = { id: "u-admin", email: "admin@fleet.test", role: "ADMIN", clientIp: "203.0.113.7", userAgent: "fleet-test" };

/** A user row for `admin`, so enrollment tokens have a real creator. */
export async function seedAdmin(db: Db): Promise<void> {
  await db.user.create({ data: { id: admin.id, email: admin.email, passwordHash: "x", role: "ADMIN" } });
}

export type PortalStub = { url: string; close(): Promise<void>; requests: number };

/** An HTTP server whose only route is the real POST /api/v1/gateways/enroll handler. */
export async function startEnrollPortal(db: Db): Promise<PortalStub> {
  const { enrollRoute } = await import("@/lib/api/enroll");
  const port = await freePort();
  const stub = { url: `http://127.0.0.1:${port}`, requests: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    stub.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    let response: Response;
    if (req.method === "POST" && req.url === "/api/v1/gateways/enroll") {
      response = await enrollRoute(new Request(`${stub.url}${req.url}`, { method: "POST", headers, body: Buffer.concat(chunks) }), { db });
    } else {
      response = Response.json({ error: { code: "not_found" } }, { status: 404 });
    }
    const body = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json", "content-length": body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  stub.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return stub;
}

export type NpmGateway = {
  adminListen: string;
  listen: string;
  stateDir: string;
  errorLog: () => string;
  stop(): Promise<void>;
  start(env?: Record<string, string>): Promise<void>;
};

const tempDirs: string[] = [];
process.once("exit", () => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(name: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `graylane-fleet-${name}-`));
  fs.chmodSync(d, 0o711); // unprivileged nginx workers (started as root) must reach the state dir inside
  tempDirs.push(d);
  return d;
}

/**
 * `npm run gateway` (scripts/gateway.ts) in the background with `env`, on fixed ports and a
 * kept state dir, so stop() + start() is a restart of the same box.
 */
export async function npmGateway(env: Record<string, string>): Promise<NpmGateway> {
  const dir = tempDir("gw");
  const stateDir = path.join(dir, "state");
  const listen = `127.0.0.1:${await freePort()}`;
  const adminListen = `127.0.0.1:${await freePort()}`;
  let child: ChildProcess | null = null;
  const g: NpmGateway = {
    adminListen,
    listen,
    stateDir,
    errorLog: () => {
      try {
        return fs.readFileSync(path.join(dir, `gateway-prefix-${listen.split(":")[1]}`, "logs", "error.log"), "utf8");
      } catch {
        return "";
      }
    },
    async start(extra = {}) {
      const out: string[] = [];
      const c = spawn(process.execPath, ["--import", "tsx", "scripts/gateway.ts"], {
        cwd: ROOT,
        env: { ...process.env, GRAYLANE_ADMIN_TOKEN: "", GRAYLANE_LISTEN: listen, GRAYLANE_ADMIN_LISTEN: adminListen, GRAYLANE_STATE_DIR: stateDir, GRAYLANE_WORKERS: "1", ...env, ...extra },
        stdio: ["ignore", "pipe", "pipe"],
      });
      child = c;
      c.stdout?.on("data", (d: Buffer) => out.push(d.toString()));
      c.stderr?.on("data", (d: Buffer) => out.push(d.toString()));
      const deadline = Date.now() + 60_000;
      while (!out.join("").includes('"msg":"ready"')) {
        if (c.exitCode !== null) throw new Error(`npm run gateway exited ${c.exitCode}:\n${out.join("")}`);
        if (Date.now() > deadline) throw new Error(`npm run gateway not ready:\n${out.join("")}`);
        await sleep(100);
      }
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await Promise.race([exited, sleep(15_000)]);
      if (c.exitCode === null) c.kill("SIGKILL");
    },
  };
  await g.start();
  return g;
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
