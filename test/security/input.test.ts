// Inputs that used to reach PostgreSQL or the preview unchecked (issue 12 item 10): NUL bytes in
// ids, filters and bodies, nonsense percentages, and a portal without GRAYLANE_TESTER_KEY.
// The release API's operations are called with real Requests and API tokens, as the routes do.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import { startRelease } from "@/lib/releases/mutations";
import { getTesterLinks } from "@/lib/releases/read";
import { startupProblems } from "@/lib/startup-check";
import { addNodeSchema, createServiceSchema } from "@/lib/validations/node";
import { startReleaseSchema } from "@/lib/validations/release";
import { apiTokenCallers, makeService, operator, withEnv, type Env } from "../releases/helpers";

let deps: { db: Env["db"]; resolveUser: ResolveUser };
let token: string;
let releaseId: string;
const BASE = "http://portal.test/api/v1/releases";

async function call(op: (req: Request) => Promise<Response>, method: string, path: string, body?: unknown) {
  const req = new Request(BASE + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await op(req);
  return { status: res.status, body: (await res.json()) as { error?: { code: string; fields?: Record<string, string[]> } } };
}

const env = withEnv(2, async (env) => {
  ({ deps, operatorToken: token } = await apiTokenCallers(env));
  await makeService(env, "inputs", env.backends.addrs);
  releaseId = (await startRelease(env.db, operator, startReleaseSchema.parse({ service: "inputs", version: "v2", targets: [env.backends.addrs[1]] }))).releaseId;
});

describe("release preview ?percent=", () => {
  it("answers 400 naming percent for abc, -5, 1e308, 101 and 1.234; a share in range works", async () => {
    for (const p of ["abc", "-5", "1e308", "101", "1.234", "Infinity", "NaN"]) {
      const r = await call((req) => releasesApi.preview(req, deps, releaseId), "GET", `/${releaseId}/preview?percent=${encodeURIComponent(p)}`);
      assert.equal(r.status, 400, `percent=${p}: HTTP ${r.status}`);
      assert.equal(r.body.error?.code, "invalid_input");
      assert.deepEqual(Object.keys(r.body.error?.fields ?? {}), ["percent"], p);
    }
    const ok = await call((req) => releasesApi.preview(req, deps, releaseId), "GET", `/${releaseId}/preview?percent=25`);
    assert.equal(ok.status, 200);
    assert.equal((ok.body as { percent?: number }).percent, 25);
    assert.equal((await call((req) => releasesApi.preview(req, deps, releaseId), "GET", `/${releaseId}/preview`)).status, 200);
  });
});

describe("NUL bytes", () => {
  it("in a release id, a query filter or a body field: 400 naming the field, not a 500", async () => {
    const bad = `${releaseId}\0`;
    for (const [name, op] of [
      ["get", (req: Request) => releasesApi.get(req, deps, bad)],
      ["preview", (req: Request) => releasesApi.preview(req, deps, bad)],
      ["split", (req: Request) => releasesApi.split(req, deps, bad)],
      ["promote", (req: Request) => releasesApi.promote(req, deps, bad)],
    ] as const) {
      const r = await call(op, name === "promote" ? "POST" : "GET", "/x");
      assert.equal(r.status, 400, `${name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      assert.deepEqual(Object.keys(r.body.error?.fields ?? {}), ["id"], name);
    }
    const list = await call((req) => releasesApi.list(req, deps), "GET", "?service=in%00puts");
    assert.equal(list.status, 400);
    assert.deepEqual(Object.keys(list.body.error?.fields ?? {}), ["service"]);
    const preview = await call((req) => releasesApi.previewStart(req, deps), "GET", "/start-preview?service=inputs&target=127.0.0.1%00");
    assert.equal(preview.status, 400);
    assert.deepEqual(Object.keys(preview.body.error?.fields ?? {}), ["target"]);
    const rollback = await call((req) => releasesApi.rollback(req, deps, releaseId), "POST", `/${releaseId}/rollback`, { reason: "bad\0reason" });
    assert.equal(rollback.status, 400);
    assert.deepEqual(Object.keys(rollback.body.error?.fields ?? {}), ["reason"]);
    assert.equal((await env.db.release.findUniqueOrThrow({ where: { id: releaseId } })).status, "OPEN");
  });
});

describe("GRAYLANE_TESTER_KEY", () => {
  it("is a start-up error in production, naming the variable; allowed in development", () => {
    // Every other production requirement met (the audit key came with the audit chain).
    const base = { GRAYLANE_SECRET_KEY: "a".repeat(64), GRAYLANE_SESSION_SECRET: "s", GRAYLANE_AUDIT_KEY: "b".repeat(64) } as const;
    const prod = startupProblems({ ...base, NODE_ENV: "production" });
    assert.equal(prod.length, 1);
    assert.match(prod[0], /GRAYLANE_TESTER_KEY is not set/);
    assert.deepEqual(startupProblems({ ...base, NODE_ENV: "production", GRAYLANE_TESTER_KEY: "k" }), []);
    assert.deepEqual(startupProblems({ ...base, NODE_ENV: "development" }), []);
    assert.match(startupProblems({ ...base, NODE_ENV: "development", GRAYLANE_GATEWAY_ALLOW: "10.0.0.0/99" }).join(), /GRAYLANE_GATEWAY_ALLOW/);
  });

  it("missing outside production: the release's tester links are empty instead of an error", async () => {
    const saved = process.env.GRAYLANE_TESTER_KEY;
    try {
      delete process.env.GRAYLANE_TESTER_KEY;
      assert.deepEqual(await getTesterLinks(env.db, releaseId), []);
    } finally {
      process.env.GRAYLANE_TESTER_KEY = saved;
    }
    assert.equal((await getTesterLinks(env.db, releaseId)).length, 1);
  });
});

describe("link-local node addresses", () => {
  it("are refused when adding nodes or creating a service, unless GRAYLANE_ALLOW_LINK_LOCAL=1", () => {
    const add = (addr: string) => addNodeSchema.safeParse({ service: "inputs", revision: 1, node: { addr } });
    for (const addr of ["169.254.169.254:80", "[fe80::1]:80"]) {
      const r = add(addr);
      assert.equal(r.success, false, addr);
      assert.deepEqual(r.error?.issues.map((i) => [i.path.join("."), i.message]), [["node.addr", "validation.linkLocal"]]);
    }
    const svc = createServiceSchema.safeParse({ name: "meta", nodes: [{ addr: "169.254.169.254:80" }] });
    assert.deepEqual(svc.error?.issues.map((i) => i.path.join(".")), ["nodes.0.addr"]);
    assert.equal(add("10.0.0.1:80").success, true);
    process.env.GRAYLANE_ALLOW_LINK_LOCAL = "1";
    try {
      assert.equal(add("169.254.169.254:80").success, true);
    } finally {
      delete process.env.GRAYLANE_ALLOW_LINK_LOCAL;
    }
  });
});
