// Database down under a RUNNING production portal (issue 6, "Outages"): a throwaway
// PostgreSQL cluster, the portal's production build (`next start`), a real gateway and real
// backends. With PostgreSQL stopped, signed-in pages show the translated "database
// unavailable" banner inside the portal shell (no crash page, no redirect to /login) — as a
// 200: an App Router page can only answer 200/3xx/401/403/404/500, and a 500 would say the
// portal failed while it handled the outage — and the automation API, which machines read,
// refuses a release start with 503 `database_unavailable`; the gateway keeps serving. With
// PostgreSQL back, pages and mutations work again without restarting anything.
import "../support/audit-env"; // the portal started here signs its audit log with this key
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import { API_TOKENS } from "@/lib/api-tokens";
import { createGatewayClient } from "@/lib/gateways/client";
import type { Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import enCommon from "@/messages/en/common.json";
import zhCommon from "@/messages/zh-CN/common.json";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { seedGateway, seedUser } from "../../prisma/seed";
import type { GatewayHandle } from "../../scripts/lib/gateway";
import { freePort } from "../../scripts/lib/net";
import { signIn, type PortalHandle } from "../../scripts/lib/portal";
import { freshDatabase } from "../support/database";
import { gateway as startGateway } from "../support/gateway";
import { portalKeys, startTestPortal } from "../support/portal";
import { startCluster, type Cluster } from "./cluster";

const SERVICE = "outage";
const email = "admin@outage.test";
const password = `pw-${randomBytes(9).toString("base64url")}`;
const keys = portalKeys();
const gatewayToken = randomBytes(16).toString("hex");
// The seed and the service functions below encrypt and decrypt gateway tokens with the portal's key.
process.env.GRAYLANE_SECRET_KEY = keys.secretKey;

const dir = mkdtempSync(path.join(tmpdir(), "graylane-outage-"));
chmodSync(dir, 0o711); // the gateway's unprivileged workers (started as root) must reach gateway-state inside
let cluster: Cluster | undefined;
let db: Db | undefined;
let gateway: GatewayHandle | undefined;
let backends: BackendsHandle | undefined;
let portal: PortalHandle | undefined;
let cookie = "";
let apiToken = "";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function page(p: string, lang = "en") {
  const res = await fetch(`${portal!.url}${p}`, { headers: { cookie, "accept-language": lang }, redirect: "manual", signal: AbortSignal.timeout(20_000) });
  const body = await res.text();
  // What the browser shows: the serialized RSC payload and message catalog left out.
  const html = body.replace(/<script[\s\S]*?<\/script>/g, "");
  return { status: res.status, location: res.headers.get("location"), body, html };
}

function startRelease(version: string) {
  return fetch(`${portal!.url}/api/v1/releases`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiToken}`, "content-type": "application/json" },
    body: JSON.stringify({ service: SERVICE, version, targets: [backends!.addrs[2]] }),
    signal: AbortSignal.timeout(20_000),
  });
}

/** Requests through the gateway's proxy; every one must come back 200 from a backend. */
async function gatewayServes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const u = new URL(gateway!.proxyUrl);
    // node:http, not fetch: fetch does not send a Host header of our choosing.
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get({ hostname: u.hostname, port: u.port, path: "/", headers: { host: SERVICE }, agent: false, timeout: 5000 }, resolve);
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", reject);
    });
    res.resume();
    assert.equal(res.statusCode, 200, `request ${i} through the gateway`);
    assert.ok(res.headers["x-backend-addr"], "answered by a backend");
  }
}

before(async () => {
  cluster = await startCluster();
  const database = await freshDatabase({ serverUrl: cluster.url }); // with every migration applied
  db = database.db;
  const testerKey = keys.testerKey;
  const ports = [await freePort(), await freePort(), await freePort()];
  [gateway, backends] = await Promise.all([
    startGateway({ token: gatewayToken, testerKey, stateDir: path.join(dir, "gateway-state"), workers: 1 }),
    startBackends({ ports, version: "v1" }),
  ]);
  // Through the seed, as the Users and Gateways pages write them.
  const user = await seedUser(db, { email, name: "Outage Admin", role: "ADMIN", password });
  await seedGateway(db, { name: "gw-outage", adminUrl: gateway.adminUrl, proxyUrl: gateway.proxyUrl, token: gatewayToken });
  apiToken = API_TOKENS.generate();
  await db.apiToken.create({ data: { userId: user.id, name: "ci", ...API_TOKENS.stored(apiToken) } });
  const actor: Actor = { id: user.id, email, role: "ADMIN", clientIp: "127.0.0.1", userAgent: "outage-test" };
  const created = await createService(db, actor, createServiceSchema.parse({ name: SERVICE, nodes: backends.addrs.map((addr) => ({ addr })) }));
  assert.ok(created.outcomes.every((o) => o.ok), JSON.stringify(created.outcomes));

  portal = await startTestPortal({ databaseUrl: database.url, dir, keys });
  cookie = await signIn(portal.url, email, password);
}, { timeout: 240_000 });

after(async () => {
  await portal?.stop().catch(() => undefined);
  await db?.$disconnect().catch(() => undefined);
  await gateway?.stop().catch(() => undefined);
  await backends?.stop().catch(() => undefined);
  await cluster?.destroy().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

it("database down: banner pages, refused mutations, traffic flows; back: works again without restarts", { timeout: 180_000 }, async () => {
  // Control: everything works while PostgreSQL is up.
  for (const p of ["/services", `/services/${SERVICE}`, "/audit"]) {
    const r = await page(p);
    assert.equal(r.status, 200, `${p} before the outage`);
    assert.doesNotMatch(r.body, /data-testid="db-down"/);
  }

  await cluster!.stop();
  try {
    for (const p of ["/services", `/services/${SERVICE}`, "/audit"]) {
      const r = await page(p);
      assert.equal(r.location, null, `${p} redirected to ${r.location}`);
      assert.equal(r.status, 200, `${p} with the database down`);
      assert.match(r.body, /data-testid="db-down"/, `${p}: the banner`);
      assert.ok(r.html.includes(enCommon.dbDown.title), `${p}: the banner's title`);
      assert.ok(r.html.includes(enCommon.dbDown.body), `${p}: the banner's text`);
      assert.ok(!r.html.includes(enCommon.errorPage.title), `${p}: not the crash page`);
      const zh = await page(p, "zh-CN");
      assert.equal(zh.status, 200);
      assert.ok(zh.html.includes(zhCommon.dbDown.title), `${p}: the banner in zh-CN`);
    }

    const refused = await startRelease("v-down");
    const body = (await refused.json()) as { error?: { code?: string; message?: string } };
    assert.equal(refused.status, 503, JSON.stringify(body));
    assert.equal(body.error?.code, "database_unavailable");
    // API clients get API wording (lib/http/errors.ts), not the browser's.
    assert.match(body.error?.message ?? "", /database cannot be reached; nothing was changed/);

    await gatewayServes(50);
  } finally {
    await cluster!.start();
  }

  // Back: no restart of the portal, the gateway or anything else.
  const back = Date.now();
  for (;;) {
    const r = await page("/services");
    if (r.status === 200 && !r.body.includes('data-testid="db-down"')) break;
    assert.ok(Date.now() - back < 10_000, `/services still ${r.status} 10 s after PostgreSQL returned`);
    await sleep(250);
  }
  for (const p of ["/services", `/services/${SERVICE}`, "/audit"]) {
    const r = await page(p);
    assert.equal(r.status, 200, `${p} after the outage`);
    assert.doesNotMatch(r.body, /data-testid="db-down"/);
    assert.ok(r.body.includes(SERVICE));
  }
  let started: Response;
  for (;;) {
    started = await startRelease("v-back");
    if (started.status !== 503) break;
    assert.ok(Date.now() - back < 10_000, "mutations still refused 10 s after PostgreSQL returned");
    await sleep(250);
  }
  const result = (await started.json()) as { releaseId?: string; outcomes?: { ok: boolean }[] };
  assert.equal(started.status, 201, JSON.stringify(result));
  assert.ok(result.outcomes?.length === 1 && result.outcomes.every((o) => o.ok), JSON.stringify(result.outcomes));
  const live = await createGatewayClient({ adminUrl: gateway!.adminUrl, token: gatewayToken }).getUpstream(SERVICE);
  assert.equal(live?.nodes.find((n) => n.addr === backends!.addrs[2])?.state, "gray", "the mutation reached the gateway");
  console.log(`portal-outage: PostgreSQL back → pages and a mutation ok in ${Date.now() - back} ms`);
  assert.equal(portal!.child.exitCode, null, `the portal process exited; see ${portal!.logFile}`);
  assert.doesNotMatch(readFileSync(portal!.logFile, "utf8"), /uncaughtException|unhandledRejection/i);
});
