// A new tester link (issue 4): renewing sets a new expiry and a new per-release cookie name,
// pushed to the real gateway; the cookie and the link handed out before get stable traffic,
// the new link routes to gray. Through the server function and the automation API with
// tokens. A release's link also stops working when the release ends, even under a later
// release of the same service (links are signed for their release's cookie name).
import assert from "node:assert/strict";
import { it } from "node:test";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import { promoteRelease, renewTesterLink, startRelease } from "@/lib/releases/mutations";
import { getRelease } from "@/lib/releases/read";
import { renewTesterLinkSchema, startReleaseSchema } from "@/lib/validations/release";
import { apiTokenCallers, clientAddr, followTesterLink, hit, makeService, openTesterLink, operator, testerLinkOf, withEnv, type Env } from "./helpers";

const SVC = "tl";
let deps: { db: Env["db"]; resolveUser: ResolveUser };
let operatorToken: string;
let managerToken: string;

const env = withEnv(3, async (env) => {
  ({ deps, operatorToken, managerToken } = await apiTokenCallers(env));
  await makeService(env, SVC, env.backends.addrs);
});

/** Where 20 requests with `cookie` from distinct client addresses went. */
async function routes(cookie: string | undefined, base: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add((await hit(env.gw.proxyUrl, { host: SVC, cookie, from: clientAddr(i, base) })).addr);
  return seen;
}

/** An earlier tester link: refused, no tester cookie; a browser that opened it does not reach `gray` (when set). */
async function expectRefusedLink(enter: string, base: number, what: string, gray?: string) {
  const r = await openTesterLink(env, enter);
  if (gray) {
    const seen = await routes(r.cookie ?? undefined, base);
    assert.ok(!seen.has(gray), `${what}: after opening it, requests reached the gray node (${[...seen].join(", ")})`);
  }
  assert.equal(r.status, 403, `${what}: ${r.status} ${r.body}`);
  assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, "invalid_tester_link");
  assert.equal(r.cookie, null, what);
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
  const oldLink = await testerLinkOf(env, id);
  const oldCookie = await followTesterLink(env, id);
  assert.deepEqual(await routes(oldCookie, 70), new Set([C]), "the first link's cookie reaches gray");

  const t0 = Date.now();
  const r = await renewTesterLink(env.db, operator, renewTesterLinkSchema.parse({ id, hours: 2 }));
  assert.deepEqual(r.outcomes.map((o) => [o.gatewayName, o.ok]), [[env.gw.name, true]]);
  assert.notEqual(r.testerCookie, oldCookie.split("=")[0], "a new cookie name");
  assert.equal((await env.admin.getUpstream(SVC))!.gray.tester?.cookie, r.testerCookie, "the gateway reads the new name");
  const expires = (await env.db.release.findUniqueOrThrow({ where: { id } })).testerExpires!.getTime();
  assert.ok(Math.abs(expires - (t0 + 2 * 3600_000)) < 5000, `expiry ${new Date(expires).toISOString()} is 2 h from now`);

  const stable = await routes(oldCookie, 71);
  assert.ok(!stable.has(C), "the cookie handed out before no longer reaches gray");
  assert.ok([...stable].every((a) => a === A || a === B), [...stable].join(", "));
  await expectRefusedLink(oldLink, 75, "the link handed out before (not expired yet)", C);
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
  assert.equal((await env.admin.getUpstream(SVC))!.gray.tester?.cookie, r.testerCookie, "a refused call changes nothing");

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

it("a release's tester link stops working when it ends, also under the next release of the service", { timeout: 120_000 }, async () => {
  const [, , C] = env.backends.addrs;
  const open = await env.db.release.findFirstOrThrow({ where: { service: { name: SVC }, status: "OPEN" } });
  const first = await testerLinkOf(env, open.id);
  assert.equal((await openTesterLink(env, first)).status, 302, "the open release's link works");
  await promoteRelease(env.db, operator, { id: open.id });
  await expectRefusedLink(first, 80, "the ended release's link"); // no gray node left to reach

  const next = await startRelease(env.db, operator, startReleaseSchema.parse({ service: SVC, version: "v3", targets: [C] }));
  await expectRefusedLink(first, 81, "the first release's link under the second release", C);
  const second = await followTesterLink(env, next.releaseId);
  assert.deepEqual(await routes(second, 82), new Set([C]), "the second release's own link reaches gray");
});
