// The services/nodes/gateways automation API (issue 15), driven like a CI pipeline: tokens made
// with `npm run user -- token create`, the brief's flow (take a node out, put it back) against
// a real gateway with real backends, every call audited like the same click in the UI.
// The route operations are the real ones (lib/api/services.ts through lib/api/handler.ts);
// only the session lookup is a stand-in (a Request here carries no next-auth cookie).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import type { SessionUser } from "@/lib/auth";
import type { ResolveUser } from "@/lib/api/handler";
import { createGatewayClient } from "@/lib/gateways/client";
import type { Db } from "@/lib/db";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { freshDatabase } from "../support/database";
import { freePort } from "../../scripts/lib/net";
import { addGateway, type TestGateway } from "../portal/helpers";
import { request } from "../support/http";
import { seedUser } from "../../prisma/seed";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ORIGIN = "http://portal.test:3000";
const run = promisify(execFile);

let db: Db;
let dbUrl: string;
let drop: () => Promise<void>;
let gw: TestGateway;
let backends: BackendsHandle;
let A: string;
let B: string;
let C: string;
let operatorToken: string;
let managerToken: string;
let sessionUser: SessionUser;
let deps: { db: Db; resolveUser: ResolveUser };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let api: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let gatewaysApi: any;

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function req(method: string, p: string, opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Request {
  return new Request(`${ORIGIN}/api/v1${p}`, {
    method,
    headers: {
      host: "portal.test:3000",
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
      "user-agent": "ci-pipeline/2.0",
      "x-forwarded-for": "198.51.100.9",
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
  });
}

async function json(res: Response): Promise<{ status: number; body: Body }> {
  return { status: res.status, body: (await res.json()) as Body };
}

/** `npm run user -- token create …` against the test database: the token it prints. */
async function cliToken(email: string, name: string, extra: string[] = []): Promise<string> {
  const { stdout, stderr } = await run("npx", ["tsx", "--conditions=react-server", "scripts/user.ts", "token", "create", "--email", email, "--name", name, ...extra], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: dbUrl },
  });
  assert.match(stderr, new RegExp(`created API token "${name}"`));
  const token = stdout.trim();
  assert.match(token, /^glt_[A-Za-z0-9_-]{43}$/);
  return token;
}

/** Which backends answer 40 requests for `service` through the gateway's proxy. */
async function servedBy(service: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const r = await request(gw.proxyUrl + "/", { host: service });
    assert.equal(r.status, 200, r.text);
    seen.add(String(r.headers["x-backend-addr"]));
  }
  return seen;
}

async function live(service: string) {
  return createGatewayClient({ adminUrl: gw.adminUrl, token: gw.token }).getUpstream(service);
}

async function event(id: string) {
  const e = await db.auditEvent.findUnique({ where: { id: BigInt(id) } });
  assert.ok(e, `audit event ${id}`);
  return e;
}

before(async () => {
  const t = await freshDatabase();
  dbUrl = t.url;
  // lib/db (tokens, gateway list) is the app's client: it must open this test's database.
  process.env.DATABASE_URL = dbUrl;
  db = t.db;
  drop = t.stop;
  gw = await addGateway(db, "gw-api");
  backends = await startBackends({ ports: await Promise.all([freePort(), freePort(), freePort()]), version: "v1" });
  [A, B, C] = backends.addrs;
  const op = await seedUser(db, { email: "ci@example.test", name: "CI", role: "OPERATOR" });
  await seedUser(db, { email: "boss@example.test", name: "Boss", role: "MANAGER" });
  sessionUser = { id: op.id, email: op.email, name: op.name, role: "OPERATOR", locale: null, timeZone: null };
  [operatorToken, managerToken] = await Promise.all([cliToken("ci@example.test", "pipeline", ["--expires", "30d"]), cliToken("boss@example.test", "reports")]);
  const { resolveApiUser } = await import("@/lib/api/deps");
  // The real token path; no Authorization header stands for the operator's browser session.
  deps = { db, resolveUser: (r) => (r.headers.get("authorization") ? resolveApiUser(r) : Promise.resolve(sessionUser)) };
  ({ servicesApi: api } = await import("@/lib/api/services"));
  ({ gatewaysApi } = await import("@/lib/api/gateways"));
});

after(async () => {
  const { db: appDb } = await import("@/lib/db");
  await appDb.$disconnect();
  await backends?.stop().catch(() => undefined);
  await gw?.stop().catch(() => undefined);
  await drop?.();
});

describe("token create (npm run user)", () => {
  it("stores the token hashed, with its expiry, audited as api_token.create", async () => {
    const tokens = await db.apiToken.findMany({ include: { user: true }, orderBy: { createdAt: "asc" } });
    assert.equal(tokens.length, 2);
    const ci = tokens.find((t) => t.user.email === "ci@example.test")!;
    assert.ok(ci.expiresAt && Math.abs(ci.expiresAt.getTime() - Date.now() - 30 * 86_400_000) < 120_000);
    assert.equal(tokens.find((t) => t.user.email === "boss@example.test")!.expiresAt, null);
    assert.ok(tokens.every((t) => t.tokenHash !== operatorToken && t.tokenHash !== managerToken));
    const events = await db.auditEvent.findMany({ where: { action: "api_token.create" } });
    assert.equal(events.length, 2);
    assert.ok(events.every((e) => e.actorEmail.startsWith("cli:")));
  });

  it("refuses an unknown user and a bad expiry, naming the field (exit 2)", async () => {
    for (const [args, field] of [
      [["--email", "nobody@example.test", "--name", "x"], /email: no user/],
      [["--email", "ci@example.test", "--name", "x", "--expires", "soon"], /expires: must be a number of days/],
      [["--email", "ci@example.test"], /name: is required/],
    ] as const) {
      const failed = await run("npx", ["tsx", "--conditions=react-server", "scripts/user.ts", "token", "create", ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: dbUrl } }).then(
        () => null,
        (e: { code: number; stderr: string }) => e,
      );
      assert.ok(failed, `refused: ${args.join(" ")}`);
      assert.equal(failed.code, 2);
      assert.match(failed.stderr, field);
    }
    assert.equal(await db.apiToken.count(), 2);
  });
});

describe("services and nodes through the automation API", () => {
  it("creates a service and lists it (services.write, audited as service.create by the token's user)", async () => {
    const created = await json(await api.create(req("POST", "/services", { token: operatorToken, body: { name: "shop", nodes: [{ addr: A }, { addr: B }] } }), deps));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.revision, 1);
    assert.deepEqual(created.body.outcomes.map((o: Body) => [o.gatewayName, o.ok]), [["gw-api", true]]);
    const e = await event(created.body.eventId);
    assert.equal(e.action, "service.create");
    assert.equal(e.actorEmail, "ci@example.test");
    assert.equal(e.actorRole, "OPERATOR");
    assert.equal(e.clientIp, "198.51.100.9");
    assert.equal(e.userAgent, "ci-pipeline/2.0");

    const list = await json(await api.list(req("GET", "/services", { token: managerToken }), deps));
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.services.map((s: Body) => s.name), ["shop"]);
    const one = await json(await api.get(req("GET", "/services/shop", { token: managerToken }), deps, "shop"));
    assert.equal(one.body.service.revision, 1);
    // Nodes created together are listed by address.
    assert.deepEqual(one.body.service.nodes.map((n: Body) => [n.addr, n.state]), [[A, "active"], [B, "active"]].sort());
    assert.deepEqual(await servedBy("shop"), new Set([A, B]));
  });

  it("takes a node out and puts it back: audited like the UI, the gateway really changes", async () => {
    const out = await json(await api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { state: "down" } }), deps, "shop", encodeURIComponent(A)));
    assert.equal(out.status, 200, JSON.stringify(out.body));
    assert.equal(out.body.revision, 2);
    assert.ok(out.body.outcomes.length === 1 && out.body.outcomes[0].ok);
    const e = await event(out.body.eventId);
    assert.equal(e.action, "node.state");
    assert.equal(e.targetName, A);
    assert.equal(e.actorEmail, "ci@example.test");
    assert.deepEqual([(e.before as Body).state, (e.after as Body).state], ["active", "down"]);
    const outcomes = await db.auditOutcome.findMany({ where: { eventId: e.id } });
    assert.deepEqual(outcomes.map((o) => o.ok), [true]);
    assert.equal((await live("shop"))?.nodes.find((n) => n.addr === A)?.state, "down");
    assert.deepEqual(await servedBy("shop"), new Set([B]));

    // A stale If-Match is refused and changes nothing.
    const stale = await json(await api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { state: "active" }, headers: { "if-match": '"1"' } }), deps, "shop", A));
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, "conflict");

    // Back in, with a new weight: two changes (node.state, then node.weight), as two clicks would be.
    const back = await json(await api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { state: "active", weight: 3 }, headers: { "if-match": '"2"' } }), deps, "shop", A));
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.deepEqual(back.body.changes.map((c: Body) => c.revision), [3, 4]);
    assert.deepEqual(await Promise.all(back.body.changes.map(async (c: Body) => (await event(c.eventId)).action)), ["node.state", "node.weight"]);
    assert.equal(back.body.eventId, back.body.changes[1].eventId);
    const node = (await live("shop"))?.nodes.find((n) => n.addr === A);
    assert.deepEqual([node?.state, node?.weight], ["active", 3]);
    assert.deepEqual(await servedBy("shop"), new Set([A, B]));
  });

  it("adds and removes a node, and replaces the gray rule", async () => {
    const added = await json(await api.addNode(req("POST", "/services/shop/nodes", { token: operatorToken, body: { addr: C, state: "gray", backup: false } }), deps, "shop"));
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal((await event(added.body.eventId)).action, "node.add");
    assert.equal((await live("shop"))?.nodes.find((n) => n.addr === C)?.state, "gray");
    const removed = await json(await api.removeNode(req("DELETE", `/services/shop/nodes/${C}`, { token: operatorToken }), deps, "shop", C));
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.equal((await event(removed.body.eventId)).action, "node.remove");
    assert.equal((await live("shop"))?.nodes.some((n) => n.addr === C), false);

    const gray = { header: null, cookie: null, cidrs: ["10.0.0.0/8"], percent: 5 };
    const put = await json(await api.update(req("PUT", "/services/shop", { token: operatorToken, body: { algorithm: "least_conn", gray } }), deps, "shop"));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await event(put.body.eventId)).action, "service.update");
    const state = await live("shop");
    assert.equal(state?.algorithm, "least_conn");
    assert.deepEqual([state?.gray.cidrs, state?.gray.percent], [["10.0.0.0/8"], 5]);
  });

  it("refuses a MANAGER's token for every change (403) and lets it read", async () => {
    const revision = (await db.service.findUniqueOrThrow({ where: { name: "shop" } })).revision;
    const calls: [string, Response][] = [
      ["create", await api.create(req("POST", "/services", { token: managerToken, body: { name: "other" } }), deps)],
      ["update", await api.update(req("PUT", "/services/shop", { token: managerToken, body: { algorithm: "round_robin", gray: {} } }), deps, "shop")],
      ["delete", await api.delete(req("DELETE", "/services/shop", { token: managerToken }), deps, "shop")],
      ["addNode", await api.addNode(req("POST", "/services/shop/nodes", { token: managerToken, body: { addr: C } }), deps, "shop")],
      ["updateNode", await api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: managerToken, body: { state: "down" } }), deps, "shop", A)],
      ["removeNode", await api.removeNode(req("DELETE", `/services/shop/nodes/${A}`, { token: managerToken }), deps, "shop", A)],
    ];
    for (const [name, res] of calls) {
      const r = await json(res);
      assert.equal(r.status, 403, name);
      assert.equal(r.body.error.code, "forbidden", name);
      assert.match(r.body.error.message, /token/, name);
    }
    assert.equal((await db.service.findUniqueOrThrow({ where: { name: "shop" } })).revision, revision);
    assert.equal(await db.service.count(), 1);
  });

  it("answers bad input with 400 naming the field", async () => {
    const cases: [string, Promise<Response>, string][] = [
      ["weight", api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { weight: -1 } }), deps, "shop", A), "weight"],
      ["state", api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { state: "off" } }), deps, "shop", A), "state"],
      ["nothing", api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { status: "down" } }), deps, "shop", A), "state"],
      ["NUL", api.updateNode(req("PATCH", `/services/shop/nodes/${A}`, { token: operatorToken, body: { state: "down\0" } }), deps, "shop", A), "state"],
      ["NUL query", api.list(req("GET", "/services?x=%00", { token: operatorToken }), deps), "x"],
      ["addr", api.addNode(req("POST", "/services/shop/nodes", { token: operatorToken, body: { addr: "not an address" } }), deps, "shop"), "addr"],
      ["existing addr", api.addNode(req("POST", "/services/shop/nodes", { token: operatorToken, body: { addr: A } }), deps, "shop"), "addr"],
      ["path addr", api.removeNode(req("DELETE", "/services/shop/nodes/x", { token: operatorToken }), deps, "shop", "nope"), "addr"],
      ["name", api.get(req("GET", "/services/bad name", { token: operatorToken }), deps, "bad name!"), "name"],
      ["new name", api.create(req("POST", "/services", { token: operatorToken, body: { name: "..", nodes: [] } }), deps), "name"],
      ["gray", api.update(req("PUT", "/services/shop", { token: operatorToken, body: { algorithm: "least_conn", gray: { percent: 101 } } }), deps, "shop"), "gray.percent"],
      ["if-match", api.removeNode(req("DELETE", `/services/shop/nodes/${B}`, { token: operatorToken, headers: { "if-match": "yesterday" } }), deps, "shop", B), "If-Match"],
      ["json", api.create(req("POST", "/services", { token: operatorToken, body: "{nope" }), deps), "_form"],
    ];
    for (const [name, pending, field] of cases) {
      const r = await json(await pending);
      assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "invalid_input", name);
      if (field === "_form") assert.ok(r.body.error.fields._form, name);
      else {
        assert.equal(r.body.error.field, field, `${name}: ${JSON.stringify(r.body)}`);
        assert.ok(r.body.error.message.includes(field), name);
      }
    }
    const missing = await json(await api.updateNode(req("PATCH", `/services/gone/nodes/${A}`, { token: operatorToken, body: { state: "down" } }), deps, "gone", A));
    assert.equal(missing.status, 404);
  });

  it("answers a bad token with 401 in API wording, even with a valid session", async () => {
    for (const token of ["glt_forged", "not-even-a-token"]) {
      const r = await json(await api.list(req("GET", "/services", { token }), deps));
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, "unauthorized");
      assert.match(r.body.error.message, /API token/);
      assert.doesNotMatch(r.body.error.message, /session|Sign in/i);
    }
  });

  it("refuses a cross-origin session change (403 cross_origin) and takes the portal's own JSON", async () => {
    const body = { state: "draining" };
    const foreign = await json(await api.updateNode(req("PATCH", `/services/shop/nodes/${B}`, { body, headers: { origin: "http://evil.example" } }), deps, "shop", B));
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.error.code, "cross_origin");
    assert.match(foreign.body.error.message, /Bearer/);
    const form = await json(await api.removeNode(req("DELETE", `/services/shop/nodes/${B}`, { headers: { origin: ORIGIN, "content-type": "text/plain" } }), deps, "shop", B));
    assert.equal(form.body.error.code, "cross_origin");
    assert.equal((await live("shop"))?.nodes.find((n) => n.addr === B)?.state, "active");

    const own = await json(await api.updateNode(req("PATCH", `/services/shop/nodes/${B}`, { body, headers: { origin: ORIGIN, "sec-fetch-site": "same-origin" } }), deps, "shop", B));
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal((await event(own.body.eventId)).actorEmail, "ci@example.test");
    assert.equal((await live("shop"))?.nodes.find((n) => n.addr === B)?.state, "draining");
    // A read with the session needs no origin.
    assert.equal((await api.list(req("GET", "/services"), deps)).status, 200);
  });

  it("lists gateways without their tokens, to every role", async () => {
    const r = await json(await gatewaysApi.list(req("GET", "/gateways", { token: managerToken }), deps));
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.gateways.map((g: Body) => [g.name, g.adminUrl, g.probe.reachable]), [["gw-api", gw.adminUrl, true]]);
    const text = JSON.stringify(r.body);
    assert.ok(!text.includes(gw.token), "the gateway token is not in the answer");
    assert.doesNotMatch(text, /token/i);
  });

  it("deletes the service from the database and the gateway (service.delete)", async () => {
    const gone = await json(await api.delete(req("DELETE", "/services/shop", { token: operatorToken }), deps, "shop"));
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.equal((await event(gone.body.eventId)).action, "service.delete");
    assert.equal(await live("shop"), null);
    assert.equal((await json(await api.get(req("GET", "/services/shop", { token: operatorToken }), deps, "shop"))).status, 404);
    const actions = (await db.auditEvent.findMany({ where: { serviceName: "shop" }, orderBy: { id: "asc" } })).map((e) => `${e.action}:${e.actorEmail}`);
    assert.deepEqual(actions, [
      "service.create:ci@example.test",
      "node.state:ci@example.test",
      "node.state:ci@example.test",
      "node.weight:ci@example.test",
      "node.add:ci@example.test",
      "node.remove:ci@example.test",
      "service.update:ci@example.test",
      "node.state:ci@example.test",
      "service.delete:ci@example.test",
    ]);
  });
});
