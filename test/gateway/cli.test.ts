// `npm run gateway` / `npm run backends`: the env contract and clean shutdown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { tempDir, TOKEN } from "../support/gateway";
import { request, eventually } from "../support/http";
import { freePort } from "../../scripts/lib/net";
import { REPO_ROOT } from "../../scripts/lib/gateway";

function run(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts", script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, GRAYLANE_ADMIN_TOKEN: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, out: () => out };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("npm run gateway refuses to start without GRAYLANE_ADMIN_TOKEN and says how to set it", async () => {
  const p = run("gateway.ts", {});
  assert.equal(await p.exited, 2);
  assert.match(p.out(), /GRAYLANE_ADMIN_TOKEN is not set/);
  assert.match(p.out(), /export GRAYLANE_ADMIN_TOKEN=/);
});

/** `npm run gateway` with the test token on free ports and a fresh state dir; its admin API listens on `adminHost`. */
async function runGateway(adminHost: string, workers: string) {
  const dir = await tempDir("cli");
  await fs.chmod(dir, 0o711); // the gateway's unprivileged workers must reach the state dir inside
  const [proxyPort, adminPort] = [await freePort(), await freePort()];
  const gw = run("gateway.ts", {
    GRAYLANE_ADMIN_TOKEN: TOKEN,
    GRAYLANE_LISTEN: `127.0.0.1:${proxyPort}`,
    GRAYLANE_ADMIN_LISTEN: `${adminHost}:${adminPort}`,
    GRAYLANE_STATE_DIR: path.join(dir, "gateway"),
    GRAYLANE_WORKERS: workers,
  });
  return { dir, proxyPort, adminPort, gw };
}

test("npm run gateway refuses an admin token shorter than 16 characters", async () => {
  for (const token of ["x", "fifteen-chars-x"]) {
    const p = run("gateway.ts", { GRAYLANE_ADMIN_TOKEN: token });
    assert.equal(await p.exited, 2, p.out());
    assert.match(p.out(), new RegExp(`GRAYLANE_ADMIN_TOKEN is too short: the admin token has ${token.length} characters; at least 16 are required`));
    assert.doesNotMatch(p.out(), /"msg":"starting"/, "nothing was started");
  }
});

test("npm run gateway warns loudly (structured log) for a non-loopback admin listener", async () => {
  const { dir, adminPort, gw } = await runGateway("0.0.0.0", "1");
  try {
    assert.ok(await eventually(async () => /"msg":"ready"/.test(gw.out()), 20_000), gw.out());
    const warn = gw.out().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((e) => e.level === "warn");
    assert.ok(warn, gw.out());
    assert.equal(warn.risk, "admin_exposed");
    assert.equal(warn.adminListen, `0.0.0.0:${adminPort}`);
    assert.match(warn.msg, /non-loopback/);
  } finally {
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exited, 0, gw.out());
  }
  await fs.rm(dir, { recursive: true, force: true });
});

test("npm run gateway + npm run backends: env config, JSON logs, SIGTERM stops nginx", async () => {
  const bePort = await freePort();
  const be = run("backends.ts", { GRAYLANE_BACKENDS: `127.0.0.1:${bePort}`, GRAYLANE_BACKEND_VERSION: "v9" });
  const { dir, proxyPort, adminPort, gw } = await runGateway("127.0.0.1", "2");
  let master = 0;
  try {
    const ready = await eventually(async () => /"msg":"ready"/.test(gw.out()) && /"msg":"node ready"/.test(be.out()), 20_000);
    assert.ok(ready, gw.out() + be.out());
    master = JSON.parse(gw.out().split("\n").find((l) => l.includes('"msg":"ready"'))!).masterPid;
    const add = await request(`http://127.0.0.1:${adminPort}/upstream_add?upstream=localhost&server=127.0.0.1:${bePort}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(add.status, 200, add.text);
    const r = await request(`http://127.0.0.1:${proxyPort}/`, { host: "localhost" });
    assert.equal(r.json.version, "v9");
    assert.equal(r.json.name, `node-${bePort}`);
    // the prefix sits next to the state dir
    await fs.access(path.join(dir, `gateway-prefix-${proxyPort}`, "nginx.conf"));
    await fs.access(path.join(dir, "gateway", "state.json"));
    for (const line of gw.out().trim().split("\n")) JSON.parse(line);
    assert.doesNotMatch(gw.out(), /"level":"warn"/, "a loopback admin listener is not warned about");
  } finally {
    gw.child.kill("SIGTERM");
    be.child.kill("SIGTERM");
    assert.equal(await gw.exited, 0, gw.out());
    await be.exited;
  }
  assert.ok(master > 0 && !alive(master), "nginx master is gone");
  await fs.rm(dir, { recursive: true, force: true });
});
