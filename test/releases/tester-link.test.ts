// A new tester link (issue 4): renewing sets a new expiry and a new per-release cookie name,
// pushed to the real gateway; the cookie handed out before gets stable traffic, the new
// link routes to gray. Through the server function and the automation API with tokens.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createGatewayClient, type GatewayClient } from "@/lib/gateway/client";
import { releasesApi, type ResolveUser } from "@/lib/releases/api";
import { renewTesterLink, startRelease } from "@/lib/releases/mutations";
import { getRelease } from "@/lib/releases/read";
import { renewTesterLinkSchema } from "@/lib/releases/tester";
import { startReleaseSchema } from "@/lib/validations/release";
import { clientAddr, followTesterLink, hit, makeService, operator, setup, type Env } from "./helpers";

const SVC = "tl";
let env: Env;
let admin: GatewayClient;
let deps: { db: Env["db"]; resolveUser: ResolveUser };
let operatorToken: string;
let managerToken: string;

before(async () => {
  env = await setup(3);
  admin = createGatewayClient({ adminUrl: env.gw.adminUrl, token: env.gw.token });
  // lib/api-tokens uses the app's db: point it at this test's database before first use.
  process.env.DATABASE_URL = env.url;
  const { createApiToken, verifyApiToken } = await import("@/lib/api-tokens");
  deps = { db: env.db, resolveUser: (req) => verifyApiToken(req.headers.get("authorization")) };
  const op = await env.db.user.create({ data: { email: "ci@example.test", name: "CI", passwordHash: "x", role: "OPERATOR" } });
  const mgr = await env.db.user.create({ data: { email: "boss@example.test", name: "Boss", passwordHash: "x", role: "MANAGER" } });
  operatorToken = (await createApiToken(op.id, "pipeline")).token;
  managerToken = (await createApiToken(mgr.id, "reports")).token;
  await makeService(env, SVC, env.backends.addrs);
});

after(async () => {
  const { db } = await import("@/lib/db");
  await db.$disconnect();
  await env?.stop();
});

/** Where 20 requests with `cookie` from distinct client addresses went. */
async function routes(cookie: string, base: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add((await hit(env.gw.proxyUrl, { host: SVC, cookie, from: clientAddr(i, base) })).addr);
  return seen;
}

function post(path: string, token: string, body: unknown): Request {
  return new Request(`http://portal.test/api/v1/releases${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "user-agent": "ci-pipeline/1.0" },
    body: JSON.stringify(body),
  });
}

it("a new tester link: the old cookie gets stable traffic, the new link gray", { timeout: 120_000 }, async () => {
  const [A, B, C] = env.backends.addrs;
  const started = await startRelease(env.db, operator, startReleaseSchema.parse({ service: SVC, version: "v2", targets: [C] }));
  const id = started.releaseId;
  const oldCookie = await followTesterLink(env, id);
  assert.deepEqual(await routes(oldCookie, 70), new Set([C]), "the first link's cookie reaches gray");

  const t0 = Date.now();
  const r = await renewTesterLink(env.db, operator, renewTesterLinkSchema.parse({ id, hours: 2 }));
  assert.deepEqual(r.outcomes.map((o) => [o.gatewayName, o.ok]), [[env.gw.name, true]]);
  assert.notEqual(r.testerCookie, oldCookie.split("=")[0], "a new cookie name");
  assert.equal((await admin.getUpstream(SVC))!.gray.tester?.cookie, r.testerCookie, "the gateway reads the new name");
  const expires = (await env.db.release.findUniqueOrThrow({ where: { id } })).testerExpires!.getTime();
  assert.ok(Math.abs(expires - (t0 + 2 * 3600_000)) < 5000, `expiry ${new Date(expires).toISOString()} is 2 h from now`);

  const stable = await routes(oldCookie, 71);
  assert.ok(!stable.has(C), "the cookie handed out before no longer reaches gray");
  assert.ok([...stable].every((a) => a === A || a === B), [...stable].join(", "));
  const newCookie = await followTesterLink(env, id);
  assert.equal(newCookie.split("=")[0], r.testerCookie);
  assert.deepEqual(await routes(newCookie, 72), new Set([C]), "the new link's cookie reaches gray");

  const detail = (await getRelease(env.db, id))!;
  assert.equal(detail.testerCookie, r.testerCookie);
  const ev = detail.timeline.at(-1)!;
  assert.equal(ev.action, "release.tester_link");
  assert.equal(ev.actorEmail, operator.email);
  assert.ok(ev.outcomes.length === 1 && ev.outcomes[0].ok);
  assert.equal((ev.after as { release?: { previousTesterCookie?: string } }).release?.previousTesterCookie, oldCookie.split("=")[0]);

  // The automation API: releases.write, at most 24 h, returns the new links.
  assert.equal((await releasesApi.renewTesterLink(post(`/${id}/tester-link`, managerToken, {}), deps, id)).status, 403);
  const tooLong = await releasesApi.renewTesterLink(post(`/${id}/tester-link`, operatorToken, { hours: 48 }), deps, id);
  assert.equal(tooLong.status, 400);
  assert.ok(((await tooLong.json()) as { error: { fields?: Record<string, unknown> } }).error.fields?.hours);
  assert.equal((await admin.getUpstream(SVC))!.gray.tester?.cookie, r.testerCookie, "a refused call changes nothing");

  const res = await releasesApi.renewTesterLink(post(`/${id}/tester-link`, operatorToken, { hours: 24 }), deps, id);
  const body = (await res.json()) as { testerCookie: string; testerExpires: string; links: { enter: string }[]; outcomes: { ok: boolean }[] };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.ok(body.outcomes.every((o) => o.ok));
  assert.notEqual(body.testerCookie, r.testerCookie);
  assert.ok(Date.parse(body.testerExpires) <= Date.now() + 24 * 3600_000);
  assert.equal(body.links.length, 1);
  assert.match(body.links[0].enter, new RegExp(`exp=${Math.floor(Date.parse(body.testerExpires) / 1000)}&`));
  assert.ok(!(await routes(newCookie, 73)).has(C), "the second cookie stops working after the API renewal");
  const third = await followTesterLink(env, id);
  assert.equal(third.split("=")[0], body.testerCookie);
  assert.deepEqual(await routes(third, 74), new Set([C]));
  const last = (await getRelease(env.db, id))!.timeline.at(-1)!;
  assert.equal(last.action, "release.tester_link");
  assert.equal(last.actorEmail, "ci@example.test");
});
