// The production install (issue 15): openresty/include/* in an operator's own, hand-written
// nginx.conf — real nginx, real Lua, no Node launcher. (1) The include files say what the
// launcher's template says (drift check, both ways). (2) With an admin token file, a service
// created through the admin API proxies to real backends, next to the operator's own server.
// (3) Without one, enroll.lua alone generates the admin token, enrolls with the portal, and
// the portal manages the gateway with it.
import "../support/audit-env";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { decrypt } from "@/lib/crypto";
import { createEnrollToken } from "@/lib/enroll/tokens";
import { createGatewayClient } from "@/lib/gateways/client";
import type { Db } from "@/lib/db";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { findNginx, resolveWorkerUser } from "../../scripts/lib/gateway";
import { freePort } from "../../scripts/lib/net";
import { setupDatabase } from "../portal/helpers";
import { admin, ROOT, seedAdmin, sleep, startEnrollPortal, tempDir, waitFor, type PortalStub } from "./helpers";

const INCLUDE = path.join(ROOT, "openresty", "include");
const read = (f: string) => fs.readFileSync(f, "utf8");

/** Directive lines: comments and blank lines dropped, whitespace collapsed. */
function lines(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.replace(/#.*$/, "").trim().replace(/\s+/g, " "))
    .filter(Boolean);
}

/** A template line as a pattern: {{PLACEHOLDER}} stands for any value. */
function pattern(line: string): RegExp {
  return new RegExp("^" + line.split(/\{\{[A-Z_]+\}\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+") + "$");
}

function between(all: string[], from: RegExp, to: RegExp): string[] {
  const a = all.findIndex((l) => from.test(l));
  const b = all.findIndex((l, i) => i > a && to.test(l));
  assert.ok(a >= 0 && b > a, `${from} … ${to} in the template`);
  return all.slice(a, b);
}

describe("include files agree with openresty/nginx.conf.tmpl", () => {
  const tmpl = lines(read(path.join(ROOT, "openresty", "nginx.conf.tmpl")));
  const proxyTmpl = lines(read(path.join(ROOT, "openresty", "graylane-proxy.conf.tmpl"))).filter((l) => !l.startsWith("{{"));
  // The launcher's own options (service_var, allow_link_local) are not the operator's business.
  const sameInit = (l: string) => l.replace(/require\("graylane\.init"\)\.init\(.*\)$/, 'require("graylane.init").init(OPTS)');
  const cases: [string, string[], string[]][] = [
    ["graylane-main.conf", tmpl.filter((l) => l.startsWith("env ")), lines(read(path.join(INCLUDE, "graylane-main.conf")))],
    ["graylane-http.conf", between(tmpl, /^lua_package_path/, /^# proxy listener|^server \{/).map(sameInit), lines(read(path.join(INCLUDE, "graylane-http.conf"))).map(sameInit)],
    ["graylane-admin.conf", tmpl.slice(tmpl.indexOf("listen {{ADMIN_LISTEN}};"), -1) /* the admin server to its end; the last "}" closes http */, lines(read(path.join(INCLUDE, "graylane-admin.conf"))).filter((l) => l !== "server {")],
    ["graylane-proxy.conf", proxyTmpl, lines(read(path.join(INCLUDE, "graylane-proxy.conf")))],
    ["graylane-locations.conf", between(tmpl, /^uninitialized_variable_warn/, /^\{\{EXTRA_PROXY_CONFIG\}\}$/), lines(read(path.join(INCLUDE, "graylane-locations.conf")))],
  ];
  for (const [file, want, got] of cases) {
    it(`${file}: every template line is there, and nothing else`, () => {
      for (const w of want) assert.ok(got.some((g) => pattern(w).test(g)), `${file} lacks: ${w}`);
      for (const g of got) assert.ok(want.some((w) => pattern(w).test(g)), `${file} has a line the template does not: ${g}`);
    });
  }
});

let db: Db;
let drop: () => Promise<void>;
let backends: BackendsHandle;
let portal: PortalStub;
const nginxes: ChildProcess[] = [];

before(async () => {
  ({ db, drop } = await setupDatabase());
  await seedAdmin(db);
  portal = await startEnrollPortal(db);
  backends = await startBackends({ ports: [await freePort(), await freePort()], version: "v1" });
});

after(async () => {
  for (const n of nginxes) {
    if (n.exitCode === null) {
      const gone = new Promise((r) => n.once("exit", r));
      n.kill("SIGQUIT");
      await Promise.race([gone, sleep(5000)]);
      if (n.exitCode === null) n.kill("SIGKILL");
    }
  }
  await backends?.stop();
  await portal?.close();
  await drop?.();
});

type Installed = { dir: string; adminUrl: string; proxyUrl: string; siteUrl: string; stateDir: string; errorLog: string };

/** Installs the include files the way README "Running a fleet" says, and starts nginx on a hand-written nginx.conf. */
async function install(opts: { adminToken?: string; env?: (adminUrl: string) => Record<string, string> }): Promise<Installed> {
  const dir = tempDir("include");
  const [adminPort, proxyPort, sitePort] = [await freePort(), await freePort(), await freePort()];
  const etc = path.join(dir, "etc");
  const stateDir = path.join(dir, "state");
  fs.mkdirSync(etc, { recursive: true });
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.join(dir, "include"));
  fs.mkdirSync(path.join(dir, "tmp"));
  for (const f of fs.readdirSync(INCLUDE)) {
    // The operator's one edit: where lua/, the secrets and the state live, and the admin port.
    const text = read(path.join(INCLUDE, f))
      .replaceAll("/opt/graylane/lua", path.join(ROOT, "lua"))
      .replaceAll("/etc/graylane", etc)
      .replaceAll("/var/lib/graylane", stateDir)
      .replace("listen 127.0.0.1:6000;", `listen 127.0.0.1:${adminPort};`);
    fs.writeFileSync(path.join(dir, "include", f), text);
  }
  if (opts.adminToken) fs.writeFileSync(path.join(etc, "admin.token"), opts.adminToken + "\n", { mode: 0o600 });
  const nginx = findNginx();
  const worker = process.getuid?.() === 0 ? resolveWorkerUser() : null;
  if (worker) {
    fs.chownSync(stateDir, worker.uid, worker.gid);
    fs.chownSync(path.join(dir, "tmp"), worker.uid, worker.gid);
  }
  const errorLog = path.join(dir, "error.log");
  const conf = `# An operator's nginx.conf: their own site, plus Graylane by include.
${nginx.loadModules ? nginx.modules.map((m) => `load_module ${m};`).join("\n") : ""}
${worker ? `user ${worker.user} ${worker.group};` : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${errorLog} notice;
include ${dir}/include/graylane-main.conf;

events { worker_connections 1024; }

http {
    access_log off;
    client_body_temp_path ${dir}/tmp/body;
    proxy_temp_path ${dir}/tmp/proxy;
    fastcgi_temp_path ${dir}/tmp/fastcgi;
    uwsgi_temp_path ${dir}/tmp/uwsgi;
    scgi_temp_path ${dir}/tmp/scgi;

    include ${dir}/include/graylane-http.conf;
    include ${dir}/include/graylane-admin.conf;

    server {
        listen 127.0.0.1:${proxyPort};
        include ${dir}/include/graylane-locations.conf;
        location / {
            include ${dir}/include/graylane-proxy.conf;
        }
    }

    server {
        listen 127.0.0.1:${sitePort};
        location / { return 200 "the operator's own site\\n"; }
    }
}
`;
  fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const child = spawn(nginx.bin, ["-p", dir + "/", "-c", path.join(dir, "nginx.conf")], { stdio: "ignore", env: { ...process.env, ...opts.env?.(adminUrl) } });
  nginxes.push(child);
  await waitFor(`nginx on ${adminUrl}`, async () => {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}:\n${fs.existsSync(errorLog) ? read(errorLog) : ""}`);
    return fetch(`${adminUrl}/v1/status`).then((r) => r.status > 0, () => false);
  });
  return { dir, adminUrl, proxyUrl: `http://127.0.0.1:${proxyPort}`, siteUrl: `http://127.0.0.1:${sitePort}`, stateDir, errorLog };
}

function get(url: string, host: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path: "/", headers: { host }, agent: false }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("a hand-written nginx.conf with the include files", () => {
  it("serves the admin API with the token file and proxies a service created through it", async () => {
    const token = "include-admin-token-0123456789ab";
    const gw = await install({ adminToken: token });
    const client = createGatewayClient({ adminUrl: gw.adminUrl, token });
    const status = await client.getStatus();
    assert.equal(status.workers, 1);
    const wrong = await fetch(`${gw.adminUrl}/v1/status`, { headers: { authorization: "Bearer wrong-token-0123456789" } });
    assert.equal(wrong.status, 401);
    await client.putUpstream("shop", { name: "shop", algorithm: "round_robin", nodes: backends.addrs.map((addr) => ({ addr, weight: 1, state: "active", backup: false })), gray: { header: null, cookie: null, cidrs: [], percent: 0 } } as never);
    const seen = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const r = await get(gw.proxyUrl, "shop");
      assert.equal(r.status, 200, r.body);
      seen.add(r.body);
    }
    assert.ok(seen.size >= 1);
    assert.equal((await get(gw.proxyUrl, "unknown-service")).status >= 400, true);
    assert.equal((await get(gw.siteUrl, "anything")).body, "the operator's own site\n");
  });

  it("without a token file, enroll.lua alone generates one, enrolls, and the portal manages the gateway", async () => {
    const { token } = await createEnrollToken(db, admin, { name: "include" });
    await createService(db, admin, createServiceSchema.parse({ name: "cart", nodes: backends.addrs.map((addr) => ({ addr })) }));
    const gw = await install({
      env: (adminUrl) => ({ GRAYLANE_PORTAL_URL: portal.url, GRAYLANE_ENROLL_TOKEN: token, GRAYLANE_GATEWAY_NAME: "box-1", GRAYLANE_GATEWAY_GROUP: "default", GRAYLANE_GATEWAY_ADMIN_URL: adminUrl }),
    });
    const row = await waitFor("box-1 enrolled", () => db.gateway.findUnique({ where: { name: "box-1" } }));
    const file = path.join(gw.stateDir, "admin.token");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const generated = read(file).trim();
    assert.match(generated, /^[0-9a-f]{64}$/);
    assert.equal(decrypt(row.tokenEnc), generated);
    assert.match(read(gw.errorLog), /graylane\.enroll \{[^\n]*"event":"admin_token_generated"/);
    // The enrollment starts the gateway's sync by itself (a reconcile pass meanwhile would skip
    // the gateway as busy): cart is served once that sync has pushed it.
    const r = await waitFor("cart served through box-1", async () => {
      const res = await get(gw.proxyUrl, "cart");
      return res.status === 200 ? res : null;
    });
    assert.ok(backends.nodes.some((n) => r.body.includes(n.name) || r.body.includes(String(n.port))), r.body);
  });
});
