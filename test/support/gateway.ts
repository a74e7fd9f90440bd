// Fixtures for gateway tests: a real gateway (nginx + the real Lua) and real
// backend processes on free loopback ports, torn down by the test's after hook.
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startGateway, type GatewayHandle, type GatewayOptions } from "../../scripts/lib/gateway";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { freePort } from "../../scripts/lib/net";
import { request, type Res, type ReqOpts } from "./http";

export const TOKEN = "test-token-" + randomBytes(12).toString("hex");

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir, removed when the test process exits. */
export async function tempDir(tag = "t"): Promise<string> {
  const d = await fs.mkdtemp(path.join(os.tmpdir(), `graylane-${tag}-`));
  tempDirs.push(d);
  return d;
}

export interface TestGateway extends GatewayHandle {
  admin(method: string, p: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
  proxy(p: string, opts?: ReqOpts): Promise<Res>;
  put(name: string, state: unknown): Promise<Res>;
}

/** Lua errors in nginx's log that must fail a test even when every response looked right. */
export async function luaErrors(errorLog: string): Promise<string[]> {
  const text = await fs.readFile(errorLog, "utf8").catch(() => "");
  return text.split("\n").filter((l) => /runtime error|lua entry thread aborted|stack traceback|attempt to (index|call|compare|perform)/.test(l));
}

export function wrap(gw: GatewayHandle): TestGateway {
  const stop = gw.stop;
  gw.stop = async () => {
    const errs = await luaErrors(gw.errorLog);
    await stop();
    if (errs.length) throw new Error(`Lua errors in ${gw.errorLog}:\n${errs.join("\n")}`);
  };
  const admin = (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) =>
    request(gw.adminUrl + p, {
      method,
      headers: { authorization: `Bearer ${gw.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  return Object.assign(gw, {
    admin,
    proxy: (p: string, opts: ReqOpts = {}) => request(gw.proxyUrl + p, opts),
    put: async (name: string, state: unknown) => {
      const r = await admin("PUT", `/v1/upstreams/${name}`, state);
      if (r.status !== 200 && r.status !== 201) throw new Error(`PUT ${name}: ${r.status} ${r.text}`);
      return r;
    },
  });
}

export async function gateway(opts: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const stateDir = opts.stateDir ?? (await tempDir("state"));
  const gw = await startGateway({ token: TOKEN, workers: 2, ...opts, stateDir });
  return wrap(gw);
}

export async function backends(n: number, version = "v1"): Promise<BackendsHandle> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return startBackends({ ports, version });
}

/** Counts which backend answered each of `n` sequential requests. */
export async function tally(gw: TestGateway, host: string, n: number, opts: ReqOpts = {}): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = await gw.proxy("/", { host, ...opts });
    const key = r.status === 200 ? String(r.json.name) : `status-${r.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
