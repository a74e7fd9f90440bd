// Issue 12 item 1: the release API accepts the session cookie only for same-origin JSON calls;
// a bearer token is not affected. handle() is the real one; only the session lookup is a stand-in
// (a Request carries no next-auth cookie here): "no Authorization header → this user".
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { SessionUser } from "@/lib/auth";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import type { Db } from "@/lib/db";

const ORIGIN = "http://portal.test:3000";
const operator: SessionUser = { id: "u1", email: "op@example.test", name: "Op", role: "OPERATOR", locale: null, timeZone: null };
const resolveUser: ResolveUser = async (req) => (req.headers.get("authorization") ? null : operator);
// Never reached: every call below is refused or fails validation before touching the database.
const deps = { db: {} as Db, resolveUser };
// Passes the CSRF guard, then fails validation (400): proof the handler was reached.
const INVALID_START = JSON.stringify({ service: "", version: "", targets: [] });

function post(headers: Record<string, string>, body = INVALID_START): Request {
  return new Request(`${ORIGIN}/api/v1/releases`, { method: "POST", headers: { host: "portal.test:3000", ...headers }, body });
}

async function code(res: Response) {
  return { status: res.status, code: ((await res.json()) as { error?: { code?: string } }).error?.code };
}

describe("session calls to the release API", () => {
  it("refuse a form from another origin of the same site (text/plain, Sec-Fetch-Site: same-site)", async () => {
    const res = await code(await releasesApi.start(post({ "content-type": "text/plain", origin: "http://portal.test:8080", "sec-fetch-site": "same-site" }), deps));
    assert.deepEqual(res, { status: 403, code: "cross_origin" });
  });

  it("refuse JSON from another origin, and JSON with no Origin at all", async () => {
    assert.equal((await code(await releasesApi.start(post({ "content-type": "application/json", origin: "http://evil.example" }), deps))).code, "cross_origin");
    assert.equal((await code(await releasesApi.start(post({ "content-type": "application/json" }), deps))).code, "cross_origin");
    assert.equal((await code(await releasesApi.start(post({ "content-type": "application/json", origin: "null" }), deps))).code, "cross_origin");
  });

  it("refuse same-origin calls that are not JSON (form encodings, none)", async () => {
    for (const ct of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
      const headers: Record<string, string> = { origin: ORIGIN, "sec-fetch-site": "same-origin" };
      if (ct) headers["content-type"] = ct;
      assert.equal((await code(await releasesApi.start(post(headers), deps))).code, "cross_origin", ct);
    }
    const promote = new Request(`${ORIGIN}/api/v1/releases/r1/promote`, { method: "POST", headers: { origin: ORIGIN } });
    assert.equal((await code(await releasesApi.promote(promote, deps, "r1"))).code, "cross_origin");
  });

  it("let the portal's own JSON calls through (Sec-Fetch-Site or Origin)", async () => {
    assert.equal((await releasesApi.start(post({ "content-type": "application/json; charset=utf-8", "sec-fetch-site": "same-origin" }), deps)).status, 400);
    assert.equal((await releasesApi.start(post({ "content-type": "application/json", origin: ORIGIN }), deps)).status, 400);
    // A foreign Origin loses even if it claims same-origin fetch metadata it cannot have… and vice versa.
    assert.equal((await releasesApi.start(post({ "content-type": "application/json", origin: ORIGIN, "sec-fetch-site": "same-site" }), deps)).status, 403);
  });

  it("leave reads alone and bearer-token calls unaffected", async () => {
    const bearer = await code(await releasesApi.start(post({ "content-type": "text/plain", origin: "http://evil.example", authorization: "Bearer glt_x" }), deps));
    assert.deepEqual(bearer, { status: 401, code: "unauthorized" }); // judged by its token, not by origin
  });
});

describe("cookie-authenticated route handlers", () => {
  it("expose mutations only through the guarded API chain (lib/api/handler.ts)", () => {
    const root = path.join(process.cwd(), "app", "api");
    const files = (function walk(dir: string): string[] {
      return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name === "route.ts" ? [path.join(dir, e.name)] : []));
    })(root);
    assert.ok(files.length > 5);
    for (const file of files) {
      const rel = path.relative(root, file);
      if (rel.startsWith("auth" + path.sep)) continue; // next-auth: its own CSRF token
      // Gateway enrollment never reads a session: only an enrollment token as bearer (lib/enroll/api.ts; 401 without one, test/fleet/enroll.test.ts).
      if (rel === path.join("v1", "gateways", "enroll", "route.ts")) continue;
      const text = readFileSync(file, "utf8");
      const mutations = [...text.matchAll(/export\s+(?:async\s+)?function\s+(POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1]);
      if (mutations.length === 0) continue;
      assert.match(text, /\b(releasesApi|servicesApi|approvalsApi)\.\w+\(/, `${rel} exports ${mutations.join(", ")} without going through lib/api/handler handle()`);
    }
  });
});
