// Every route handler under app/api goes through the one chain (lib/api/handler.ts) and answers
// errors in the one shape documented in openapi/graylane.yaml (components.schemas.Error) — the
// portal's own polling and download routes included, which take the session only. Against a
// real PostgreSQL; only the session lookup is a stand-in (a Request here has no next-auth cookie).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import type { SessionUser } from "@/lib/auth";
import type { ApiDeps } from "@/lib/api/handler";
import type { Db } from "@/lib/db";
import { createTestDatabase, ensurePostgresServer } from "../../scripts/lib/database";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ORIGIN = "http://portal.test:3000";

const spec = parse(readFileSync(path.join(ROOT, "openapi/graylane.yaml"), "utf8"));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ ...spec, $id: "https://graylane.test/openapi.json" });
const validateError = ajv.compile({ $ref: "https://graylane.test/openapi.json#/components/schemas/Error" });

let db: Db;
let drop: () => Promise<void>;
let session: SessionUser | null;
let deps: ApiDeps;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let liveApi: any, auditApi: any, gatewaysApi: any;

const get = (p: string, headers: Record<string, string> = {}) => new Request(`${ORIGIN}${p}`, { headers: { host: "portal.test:3000", ...headers } });

/** An error answer: its status, code and field, after checking it has the documented shape. */
async function failure(res: Response): Promise<{ status: number; code: string; field?: string }> {
  const body = (await res.json()) as { error: { code: string; field?: string } };
  assert.ok(validateError(body), `${ajv.errorsText(validateError.errors)}: ${JSON.stringify(body)}`);
  assert.equal(res.headers.get("cache-control"), "no-store");
  return { status: res.status, code: body.error.code, ...(body.error.field ? { field: body.error.field } : {}) };
}

before(async () => {
  const t = await createTestDatabase(await ensurePostgresServer());
  process.env.DATABASE_URL = t.url;
  const { createDbClient } = await import("@/lib/db");
  db = createDbClient(t.url);
  drop = async () => {
    await db.$disconnect();
    await t.drop();
  };
  const u = await db.user.create({ data: { email: "viewer@example.test", name: "Viewer", passwordHash: "x", role: "MANAGER" } });
  session = { id: u.id, email: u.email, name: u.name, role: "MANAGER", locale: null, timeZone: "Asia/Shanghai" };
  // No Authorization header stands for the browser's session; a token never reaches the lookup.
  deps = { db, resolveUser: async (r) => (r.headers.get("authorization") ? null : session) };
  ({ liveApi } = await import("@/lib/api/live"));
  ({ auditApi } = await import("@/lib/api/audit"));
  ({ gatewaysApi } = await import("@/lib/api/gateways"));
});

after(async () => {
  const { db: appDb } = await import("@/lib/db");
  await appDb.$disconnect();
  await drop?.();
});

describe("route handlers", () => {
  it("every one under app/api (next-auth's aside) is a thin call into lib/api, never its own checks", () => {
    const api = path.join(ROOT, "app/api");
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name === "route.ts" ? [path.join(dir, e.name)] : []));
    })(api);
    assert.ok(files.length >= 20, `${files.length} route files`);
    for (const file of files) {
      const rel = path.relative(api, file);
      if (rel.startsWith(`auth${path.sep}`)) continue;
      const text = readFileSync(file, "utf8");
      assert.match(text, /from "@\/lib\/api\/deps"/, `${rel}: apiDeps`);
      assert.match(text, /\b\w+Api\.\w+\(req, apiDeps\b/, `${rel}: an operation of lib/api`);
      assert.doesNotMatch(text, /getSessionUser|NextResponse|toAppError|\bcan\(/, `${rel} builds its own chain`);
    }
  });
});

describe("the portal's polling routes (session only)", () => {
  it("answer the session with no-store JSON", async () => {
    const res = await liveApi.stats(get("/api/services/stats"), deps);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(typeof (await res.json()), "object");
  });

  it("refuse an API token (not part of the documented API) with 401 unauthorized", async () => {
    assert.deepEqual(await failure(await liveApi.stats(get("/api/services/stats", { authorization: "Bearer glt_x" }), deps)), { status: 401, code: "unauthorized" });
    assert.deepEqual(await failure(await gatewaysApi.live(get("/api/gateways/live", { authorization: "Bearer glt_x" }), deps)), { status: 401, code: "unauthorized" });
  });

  it("the Gateways table (/api/gateways/live): a gateway nobody answers for is lost until seen, with its group and sync state; error details for an ADMIN only", async () => {
    const live = async () => {
      const res: Response = await gatewaysApi.live(get("/api/gateways/live"), deps);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      return (await res.json()) as import("@/lib/gateways/live").GatewaysLive;
    };
    const row = await db.gateway.create({ data: { name: "edge-live", adminUrl: "http://127.0.0.1:9", tokenEnc: "not-a-token", group: "prod-eu" } });
    const saved = session;
    try {
      const first = await live();
      const g = first.gateways.find((x) => x.name === "edge-live")!;
      assert.equal(g.probe.reachable, false);
      assert.equal(g.lost, true, "never seen and unreachable");
      assert.equal(g.lastSeenAt, null);
      assert.equal(g.sync?.status, "empty");
      assert.deepEqual(first.groups, [{ group: "prod-eu", count: 1 }]);
      assert.ok(!("tokenEnc" in g) && !("syncLeaseUntil" in g), Object.keys(g).join());
      assert.ok(!g.probe.reachable && g.probe.error.message === "", "a MANAGER reads the code only");

      const seen = new Date();
      await db.gateway.update({ where: { id: row.id }, data: { lastSeenAt: seen } });
      session = { ...saved!, role: "ADMIN" };
      const second = (await live()).gateways.find((x) => x.name === "edge-live")!;
      assert.equal(second.lost, false);
      assert.equal(second.lastSeenAt, seen.toISOString());
      assert.ok(!second.probe.reachable && second.probe.error.message !== "", "an ADMIN reads the error");
    } finally {
      session = saved;
      await db.gateway.delete({ where: { id: row.id } });
    }
  });

  it("refuse a request without a session with 401 unauthorized", async () => {
    const saved = session;
    session = null;
    try {
      assert.deepEqual(await failure(await liveApi.stats(get("/api/services/stats"), deps)), { status: 401, code: "unauthorized" });
    } finally {
      session = saved;
    }
  });

  it("name the bad field: ?service=../x is 400 invalid_input on service", async () => {
    assert.deepEqual(await failure(await liveApi.stats(get("/api/services/stats?service=..%2Fx"), deps)), { status: 400, code: "invalid_input", field: "service" });
    assert.deepEqual(await failure(await liveApi.serviceSeries(get("/api/services/a%20b/series"), deps, "a b")), { status: 400, code: "invalid_input", field: "name" });
  });

  it("an unknown release is 404 not_found", async () => {
    assert.deepEqual(await failure(await liveApi.releaseSeries(get("/api/releases/nope/series"), deps, "nope")), { status: 404, code: "not_found" });
    assert.deepEqual(await failure(await liveApi.release(get("/api/releases/nope/live"), deps, "nope")), { status: 404, code: "not_found" });
  });
});

describe("GET /api/audit/export (session only)", () => {
  it("streams the audit history as CSV with download headers (the header row at least)", async () => {
    const res = await auditApi.export(get("/api/audit/export?format=csv"), deps);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename="graylane-audit-[0-9T-]+\.csv"$/);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const text = await res.text();
    assert.match(text.split("\n")[0], /clientIp/);
  });

  it("refuses an unknown format and a NUL byte before the stream starts, naming the parameter", async () => {
    assert.deepEqual(await failure(await auditApi.export(get("/api/audit/export?format=xml"), deps)), { status: 400, code: "invalid_input", field: "format" });
    assert.deepEqual(await failure(await auditApi.export(get("/api/audit/export?user=a%00b"), deps)), { status: 400, code: "invalid_input", field: "user" });
  });

  it("refuses an API token and a missing session with 401", async () => {
    assert.deepEqual(await failure(await auditApi.export(get("/api/audit/export", { authorization: "Bearer glt_x" }), deps)), { status: 401, code: "unauthorized" });
  });
});
