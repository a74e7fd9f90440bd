// The automation API with per-user API tokens: the route handlers' operations, called with
// real Requests, a real token store and the same verification the routes use.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import { apiTokenCallers, makeService, withEnv, type Env } from "./helpers";

let resolveUser: ResolveUser;
let operatorToken: string;
let managerToken: string;
let deps: { db: Env["db"]; resolveUser: ResolveUser };

const BASE = "http://portal.test/api/v1/releases";

function call(method: string, path: string, token: string | null, body?: unknown): Request {
  return new Request(BASE + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json", "user-agent": "ci-pipeline/1.0", "x-forwarded-for": "198.51.100.4" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const env = withEnv(2, async (env) => {
  ({ resolveUser, deps, operatorToken, managerToken } = await apiTokenCallers(env));
  await makeService(env, "api", env.backends.addrs);
});

describe("release API with API tokens", () => {
  it("refuses without a token, with a bad one, and a MANAGER's token for changes", async () => {
    const start = { service: "api", version: "v9", targets: [env.backends.addrs[1]] };
    assert.equal((await releasesApi.start(call("POST", "", null, start), deps)).status, 401);
    assert.equal((await releasesApi.start(call("POST", "", "glt_forged", start), deps)).status, 401);
    const denied = await json(await releasesApi.start(call("POST", "", managerToken, start), deps));
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, "forbidden");
    // A MANAGER may read.
    assert.equal((await releasesApi.list(call("GET", "", managerToken), deps)).status, 200);
    assert.equal(await env.db.release.count(), 0);
  });

  it("an OPERATOR's token drives start → step → promote, audited as that user", async () => {
    const target = env.backends.addrs[1];
    const bad = await json(await releasesApi.start(call("POST", "", operatorToken, "{not json"), deps));
    assert.equal(bad.status, 400);
    const invalid = await json(await releasesApi.start(call("POST", "", operatorToken, { service: "api", version: "", targets: [] }), deps));
    assert.equal(invalid.status, 400);
    assert.ok(invalid.body.error.fields.version && invalid.body.error.fields.targets);

    const started = await json(await releasesApi.start(call("POST", "", operatorToken, { service: "api", version: "v9", targets: [target], steps: [10, 50] }), deps));
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id: string = started.body.releaseId;
    assert.ok(started.body.outcomes.every((o: { ok: boolean }) => o.ok));

    const again = await json(await releasesApi.start(call("POST", "", operatorToken, { service: "api", version: "v10", targets: [target] }), deps));
    assert.equal(again.status, 409);

    const links = await json(await releasesApi.testerLinks(call("GET", `/${id}/tester-links`, operatorToken), deps, id));
    assert.equal(links.body.links.length, 1);
    assert.match(links.body.links[0].enter, /\/__graylane\/tester\?service=api&exp=\d+&sig=[0-9a-f]{64}$/);
    assert.equal((await releasesApi.testerLinks(call("GET", `/${id}/tester-links`, managerToken), deps, id)).status, 403);

    const preview = await json(await releasesApi.preview(call("GET", `/${id}/preview`, operatorToken), deps, id));
    assert.equal(preview.body.percent, 10);
    assert.equal(preview.body.after.expectedGrayPercent, 10);

    const stepped = await json(await releasesApi.step(call("POST", `/${id}/step`, operatorToken, { expectedStep: -1 }), deps, id));
    assert.equal(stepped.status, 200, JSON.stringify(stepped.body));
    const stale = await json(await releasesApi.step(call("POST", `/${id}/step`, operatorToken, { expectedStep: -1 }), deps, id));
    assert.equal(stale.status, 409);
    const live = await env.admin.getUpstream("api");
    assert.equal(live?.gray.percent, 10);

    const promoted = await json(await releasesApi.promote(call("POST", `/${id}/promote`, operatorToken), deps, id));
    assert.equal(promoted.status, 200);

    const detail = await json(await releasesApi.get(call("GET", `/${id}`, managerToken), deps, id));
    assert.equal(detail.body.release.status, "PROMOTED");
    assert.deepEqual(
      detail.body.release.timeline.map((e: { action: string }) => e.action),
      ["release.start", "release.step", "release.promote"],
    );
    const events = await env.db.auditEvent.findMany({ where: { releaseId: id }, orderBy: { id: "asc" } });
    for (const e of events) {
      assert.equal(e.actorEmail, "ci@example.test");
      assert.equal(e.actorRole, "OPERATOR");
      assert.equal(e.clientIp, "198.51.100.4");
      assert.equal(e.userAgent, "ci-pipeline/1.0");
    }
    const closed = await json(await releasesApi.rollback(call("POST", `/${id}/rollback`, operatorToken, { reason: "late" }), deps, id));
    assert.equal(closed.status, 409);
    const missing = await json(await releasesApi.get(call("GET", "/nope", operatorToken), deps, "nope"));
    assert.equal(missing.status, 404);
  });
});
