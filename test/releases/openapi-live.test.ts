// The OpenAPI file is what API clients code against: it must parse cleanly, and what the
// API really answers — a whole release flow, and its errors — must validate against the
// response schemas it documents (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). The same
// for the services/nodes/gateways API, and the documented examples against their schemas.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import type { SessionUser } from "@/lib/auth";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import { gatewaysApi } from "@/lib/api/gateways";
import { servicesApi } from "@/lib/api/services";
import { makeService, withEnv, type Env } from "./helpers";
import { seedUser } from "../../prisma/seed";

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

let user: SessionUser | null;
let deps: { db: Env["db"]; resolveUser: ResolveUser };
const ORIGIN = "http://portal.test";
const BASE = `${ORIGIN}/api/v1`;
const req = (method: string, p: string, body?: unknown) =>
  // The session stand-in: a change with the session must be the portal's own JSON (same origin).
  new Request(BASE + p, { method, headers: { "content-type": "application/json", origin: ORIGIN }, body: body === undefined ? undefined : JSON.stringify(body) });

const env = withEnv(3, async (env) => {
  // The gateway list reads the app's db (lib/gateways): this test's database.
  process.env.DATABASE_URL = env.url;
  const op = await seedUser(env.db, { email: "spec@example.test", name: "Spec", role: "OPERATOR" });
  user = { id: op.id, email: op.email, name: op.name, role: "OPERATOR", locale: null, timeZone: null };
  deps = { db: env.db, resolveUser: async () => user };
  await makeService(env, "spec", env.backends.addrs);
});

it("parses without stray keys (a flow mapping with an unquoted comma makes one)", () => {
  const nulls: string[] = [];
  const walk = (o: unknown, at: string) => {
    // Examples are JSON values, where null is real (they are validated below).
    if (o && typeof o === "object") for (const [k, v] of Object.entries(o)) if (k !== "example" && k !== "examples") v === null ? nulls.push(`${at}/${k}`) : walk(v, `${at}/${k}`);
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

it("documented examples validate against their schemas", () => {
  let checked = 0;
  const check = (at: string, media: { schema?: unknown; example?: unknown; examples?: Record<string, { value: unknown }> }) => {
    const values = [...("example" in media ? [media.example] : []), ...Object.values(media.examples ?? {}).map((e) => e.value)];
    if (!values.length) return;
    const validate = ajv.compile({ $ref: `${SPEC_ID}#/${at}/schema` });
    for (const v of values) {
      checked++;
      assert.ok(validate(v), `${at}: ${ajv.errorsText(validate.errors)}`);
    }
  };
  for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) { // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== "object" || Array.isArray(op)) continue;
      for (const [ct, media] of Object.entries(op.requestBody?.content ?? {})) check(pointer("paths", p, method, "requestBody", "content", ct), media as never);
      for (const [status, res] of Object.entries(op.responses ?? {}) as [string, any][]) { // eslint-disable-line @typescript-eslint/no-explicit-any
        for (const [ct, media] of Object.entries(res.content ?? {})) check(pointer("paths", p, method, "responses", status, "content", ct), media as never);
      }
    }
  }
  for (const [name, res] of Object.entries(doc.components.responses as Record<string, any>)) { // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const [ct, media] of Object.entries(res.content ?? {})) check(pointer("components", "responses", name, "content", ct), media as never);
  }
  assert.ok(checked >= 8, `${checked} examples`);
});

it("live responses of the services, nodes and gateways API validate against the documented schemas", async () => {
  const op = await env.db.user.findUniqueOrThrow({ where: { email: "spec@example.test" } });
  user = { id: op.id, email: op.email, name: op.name, role: "OPERATOR", locale: null, timeZone: null };
  const [A, B] = env.backends.addrs;
  await conforms("/services", "get", await servicesApi.list(req("GET", "/services"), deps));
  await conforms("/services", "post", await servicesApi.create(req("POST", "/services", { name: "spec-nodes", nodes: [{ addr: A }, { addr: B }] }), deps));
  const one = await conforms("/services/{name}", "get", await servicesApi.get(req("GET", "/services/spec-nodes"), deps, "spec-nodes"));
  const addr = encodeURIComponent(A);
  const withRev = (method: string, p: string, body?: unknown) =>
    new Request(BASE + p, { method, headers: { "content-type": "application/json", origin: ORIGIN, "if-match": `"${one.service.revision}"` }, body: body === undefined ? undefined : JSON.stringify(body) });
  const out = await conforms("/services/{name}/nodes/{addr}", "patch", await servicesApi.updateNode(withRev("PATCH", `/services/spec-nodes/nodes/${addr}`, { state: "down" }), deps, "spec-nodes", addr));
  assert.equal(out.changes.length, 1);
  const stale = await conforms("/services/{name}/nodes/{addr}", "patch", await servicesApi.updateNode(withRev("PATCH", `/services/spec-nodes/nodes/${addr}`, { state: "active" }), deps, "spec-nodes", addr));
  assert.equal(stale.error.code, "conflict");
  const bad = await conforms("/services/{name}/nodes/{addr}", "patch", await servicesApi.updateNode(req("PATCH", `/services/spec-nodes/nodes/${addr}`, { weight: 0 }), deps, "spec-nodes", addr));
  assert.equal(bad.error.field, "weight");
  await conforms("/services/{name}/nodes/{addr}", "patch", await servicesApi.updateNode(req("PATCH", `/services/spec-nodes/nodes/${addr}`, { state: "active", weight: 2, backup: false }), deps, "spec-nodes", addr));
  await conforms("/services/{name}/nodes", "post", await servicesApi.addNode(req("POST", "/services/spec-nodes/nodes", { addr: env.backends.addrs[2], state: "gray" }), deps, "spec-nodes"));
  await conforms("/services/{name}/nodes/{addr}", "delete", await servicesApi.removeNode(req("DELETE", `/services/spec-nodes/nodes/${env.backends.addrs[2]}`), deps, "spec-nodes", env.backends.addrs[2]));
  await conforms("/services/{name}", "put", await servicesApi.update(req("PUT", "/services/spec-nodes", { algorithm: "ip_hash", gray: { percent: 1 } }), deps, "spec-nodes"));
  await conforms("/services/{name}", "delete", await servicesApi.delete(req("DELETE", "/services/spec-nodes"), deps, "spec-nodes"));
  await conforms("/services/{name}", "get", await servicesApi.get(req("GET", "/services/spec-nodes"), deps, "spec-nodes"));
  await conforms("/gateways", "get", await gatewaysApi.list(req("GET", "/gateways"), deps));
  user = { ...user, role: "MANAGER" };
  const denied = await conforms("/services/{name}/nodes", "post", await servicesApi.addNode(req("POST", "/services/spec/nodes", { addr: A }), deps, "spec"));
  assert.equal(denied.error.code, "forbidden");
});
