// Scheduled plans through the automation API (issue 16): POST /releases takes a plan and
// refuses a bad one naming the field (nothing is created); pause/resume go through the
// routes' chain (token, role, audit as the token's user) and answer what the OpenAPI file says.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import { apiTokenCallers, makeService, withEnv, type Env } from "./helpers";

let deps: { db: Env["db"]; resolveUser: ResolveUser };
let operatorToken: string;
let managerToken: string;

const doc = parse(readFileSync(path.resolve(import.meta.dirname, "../../openapi/graylane.yaml"), "utf8")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...doc, $id: "spec" });
const schemaOk = (name: string, body: unknown) => {
  const v = ajv.compile({ $ref: `spec#/components/schemas/${name}` });
  assert.ok(v(body), `${name}: ${ajv.errorsText(v.errors)}`);
};

function call(method: string, p: string, token: string | null, body?: unknown): Request {
  return new Request(`http://portal.test/api/v1/releases${p}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const env = withEnv(2, async (env) => {
  ({ deps, operatorToken, managerToken } = await apiTokenCallers(env));
  await makeService(env, "papi", env.backends.addrs);
});

describe("plans through the API", () => {
  it("refuses a bad plan naming the field, and changes nothing", async () => {
    const base = { service: "papi", version: "v2", targets: [env.backends.addrs[1]] };
    const cases: [unknown, string][] = [
      [[{ percent: 5, dwell: 10 }, { percent: 1, dwell: 10 }], "plan"],
      [[{ percent: 1, dwell: "later" }], "plan.0.dwell"],
      [[{ percent: 1, dwell: -1 }], "plan.0.dwell"],
      [[{ percent: 1, dwell: 10 }, { percent: 5 }], "plan.1.dwell"],
      [[{ percent: 120, dwell: 10 }], "plan.0.percent"],
      ["1:10, 5:soon", "plan.1.dwell"],
      [[], "plan"],
    ];
    for (const [plan, field] of cases) {
      const res = await json(await releasesApi.start(call("POST", "", operatorToken, { ...base, plan }), deps));
      assert.equal(res.status, 400, JSON.stringify(plan));
      assert.equal(res.body.error.code, "invalid_input");
      assert.ok(res.body.error.fields[field], `${JSON.stringify(plan)} → ${JSON.stringify(res.body.error.fields)}`);
    }
    assert.equal(await env.db.release.count(), 0);
    assert.equal(await env.db.auditEvent.count({ where: { action: { startsWith: "release." } } }), 0);
  });

  it("starts with a plan, pauses and resumes as the token's user; a MANAGER may not", async () => {
    const started = await json(
      await releasesApi.start(call("POST", "", operatorToken, { service: "papi", version: "v2", targets: [env.backends.addrs[1]], plan: [{ percent: 1, dwell: 10 }, { percent: 5, dwell: "approval" }, { percent: 25, dwell: "manual" }] }), deps),
    );
    assert.equal(started.status, 201, JSON.stringify(started.body));
    const id: string = started.body.releaseId;
    const got = await json(await releasesApi.get(call("GET", `/${id}`, operatorToken), deps, id));
    schemaOk("ReleaseDetail", got.body.release);
    assert.deepEqual(got.body.release.steps, [1, 5, 25]);
    assert.deepEqual(got.body.release.plan[1], { percent: 5, dwell: "approval" });
    assert.equal(got.body.release.scheduled, true);
    assert.deepEqual(got.body.release.nextTransition, { kind: "first" });

    const denied = await json(await releasesApi.pause(call("POST", `/${id}/pause`, managerToken), deps, id));
    assert.equal(denied.status, 403);
    assert.equal((await env.db.release.findUnique({ where: { id } }))!.pausedAt, null);

    const paused = await json(await releasesApi.pause(call("POST", `/${id}/pause`, operatorToken), deps, id));
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    schemaOk("PauseResult", paused.body);
    const again = await json(await releasesApi.pause(call("POST", `/${id}/pause`, operatorToken), deps, id));
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, "release_already_paused");
    const view = (await json(await releasesApi.get(call("GET", `/${id}`, operatorToken), deps, id))).body.release;
    assert.deepEqual(view.nextTransition, { kind: "paused" });
    assert.equal(view.paused.by, "ci@example.test");
    schemaOk("ReleaseDetail", view);

    const resumed = await json(await releasesApi.resume(call("POST", `/${id}/resume`, operatorToken), deps, id));
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.paused, false);
    const notPaused = await json(await releasesApi.resume(call("POST", `/${id}/resume`, operatorToken), deps, id));
    assert.equal(notPaused.status, 409);
    assert.equal(notPaused.body.error.code, "release_not_paused");
    const missing = await json(await releasesApi.pause(call("POST", `/nope/pause`, operatorToken), deps, "nope"));
    assert.equal(missing.status, 404);

    const events = await env.db.auditEvent.findMany({ where: { releaseId: id }, orderBy: { id: "asc" } });
    assert.deepEqual(events.map((e) => [e.action, e.actorEmail]), [
      ["release.start", "ci@example.test"],
      ["release.pause", "ci@example.test"],
      ["release.resume", "ci@example.test"],
    ]);
  });
});
