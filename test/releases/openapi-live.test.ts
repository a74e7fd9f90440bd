// The OpenAPI file is what API clients code against: it must parse cleanly, and what the
// API really answers — a whole release flow, and its errors — must validate against the
// response schemas it documents (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import type { SessionUser } from "@/lib/auth";
import { releasesApi, type ResolveUser } from "@/lib/releases/api";
import { makeService, setup, type Env } from "./helpers";

const SPEC_ID = "https://graylane.test/openapi.json";
const doc = parse(readFileSync(path.resolve(import.meta.dirname, "../../openapi/graylane.yaml"), "utf8"), { uniqueKeys: true }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...doc, $id: SPEC_ID });

const pointer = (...parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, "~0").replace(/\//g, "~1"))).join("/");

/** Validates a live response against the schema documented for its path, method and status. */
async function conforms(apiPath: string, method: string, res: Response): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const body = await res.json();
  const status = String(res.status);
  let response = doc.paths[apiPath]?.[method]?.responses?.[status];
  assert.ok(response, `${method.toUpperCase()} ${apiPath} documents no ${status} response; got ${JSON.stringify(body).slice(0, 300)}`);
  let ref = `#/${pointer("paths", apiPath, method, "responses", status)}`;
  if (response.$ref) {
    ref = response.$ref;
    response = doc.components.responses[response.$ref.split("/").pop()];
  }
  const validate = ajv.compile({ $ref: `${SPEC_ID}${ref}/${pointer("content", "application/json", "schema")}` });
  assert.ok(validate(body), `${method.toUpperCase()} ${apiPath} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
  return body;
}

let env: Env;
let user: SessionUser | null;
let deps: { db: Env["db"]; resolveUser: ResolveUser };
const BASE = "http://portal.test/api/v1";
const req = (method: string, p: string, body?: unknown) =>
  new Request(BASE + p, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

before(async () => {
  env = await setup(3);
  const op = await env.db.user.create({ data: { email: "spec@example.test", name: "Spec", passwordHash: "x", role: "OPERATOR" } });
  user = { id: op.id, email: op.email, name: op.name, role: "OPERATOR", locale: null, timeZone: null };
  deps = { db: env.db, resolveUser: async () => user };
  await makeService(env, "spec", env.backends.addrs);
});

after(async () => {
  await env?.stop();
});

it("parses without stray keys (a flow mapping with an unquoted comma makes one)", () => {
  const nulls: string[] = [];
  const walk = (o: unknown, at: string) => {
    if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) v === null ? nulls.push(`${at}/${k}`) : walk(v, `${at}/${k}`);
  };
  walk(doc, "");
  assert.deepEqual(nulls, []);
});

it("live responses of a whole release flow and its errors validate against the documented schemas", async () => {
  const [, , C] = env.backends.addrs;
  await conforms("/releases", "get", await releasesApi.list(req("GET", "/releases"), deps));
  const started = await conforms("/releases", "post", await releasesApi.start(req("POST", "/releases", { service: "spec", version: "v2", targets: [C], steps: [10, 50] }), deps));
  const id: string = started.releaseId;
  await conforms("/releases/{id}/tester-links", "get", await releasesApi.testerLinks(req("GET", `/releases/${id}/tester-links`), deps, id));
  await conforms("/releases/{id}/tester-link", "post", await releasesApi.renewTesterLink(req("POST", `/releases/${id}/tester-link`, { hours: 2 }), deps, id));
  await conforms("/releases/{id}/preview", "get", await releasesApi.preview(req("GET", `/releases/${id}/preview`), deps, id));
  await conforms("/releases/start-preview", "get", await releasesApi.previewStart(req("GET", `/releases/start-preview?service=spec&target=${C}`), deps));
  await conforms("/releases/{id}/step", "post", await releasesApi.step(req("POST", `/releases/${id}/step`, {}), deps, id));
  await conforms("/releases/{id}/split", "get", await releasesApi.split(req("GET", `/releases/${id}/split`), deps, id));

  // A second release of the same service: a precise code, worded for a pipeline log.
  const twice = await conforms("/releases", "post", await releasesApi.start(req("POST", "/releases", { service: "spec", version: "v3", targets: [C] }), deps));
  assert.equal(twice.error.code, "release_already_open");

  await conforms("/releases/{id}/promote", "post", await releasesApi.promote(req("POST", `/releases/${id}/promote`), deps, id));
  const detail = await conforms("/releases/{id}", "get", await releasesApi.get(req("GET", `/releases/${id}`), deps, id));
  assert.deepEqual(
    detail.release.timeline.map((e: { action: string }) => e.action),
    ["release.start", "release.tester_link", "release.step", "release.promote"],
  );

  // Changing an ended release: release_not_open, not the browser's "Someone changed this…".
  const ended = await conforms("/releases/{id}/step", "post", await releasesApi.step(req("POST", `/releases/${id}/step`, {}), deps, id));
  assert.equal(ended.error.code, "release_not_open");
  assert.doesNotMatch(ended.error.message, /Someone|Reload/);
  const again = await conforms("/releases/{id}/rollback", "post", await releasesApi.rollback(req("POST", `/releases/${id}/rollback`, {}), deps, id));
  assert.equal(again.error.code, "release_not_open");

  await conforms("/releases/{id}", "get", await releasesApi.get(req("GET", "/releases/r-none"), deps, "r-none"));

  // No valid token: API wording, not "Your session has ended. Sign in again."
  user = null;
  const denied = await conforms("/releases", "get", await releasesApi.list(req("GET", "/releases"), deps));
  assert.equal(denied.error.code, "unauthorized");
  assert.match(denied.error.message, /API token/);
  assert.doesNotMatch(denied.error.message, /session|Sign in/i);
});
