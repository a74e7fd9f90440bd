// Request-attribute gray rules (gray.match, gray.percent_key) through every portal way in,
// against a real PostgreSQL database and a real gateway: the settings form's fields
// (grayFromForm → updateServiceSchema → updateService, the server action's body) and
// PUT /api/v1/services/{name} store them trimmed, push them, and the gateway routes by them;
// the drift view compares them; a rule the contract refuses changes nothing and names the field;
// clearing them leaves a rule the gateway stores exactly as before they existed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionUser } from "@/lib/auth";
import type { Db } from "@/lib/db";
import { createService, updateService } from "@/lib/services/mutations";
import { loadDesired } from "@/lib/services/read";
import { diffState } from "@/lib/services/state";
import { grayFromForm } from "@/lib/validations/gray-form";
import { createServiceSchema } from "@/lib/validations/node";
import { updateServiceSchema } from "@/lib/validations/service";
import { request } from "../support/http";
import { withEnv } from "../releases/helpers";
import { actor } from "./helpers";

const ORIGIN = "http://portal.test:3000";
let A: string, G: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let api: any;
let deps: { db: Db; resolveUser: () => Promise<SessionUser> };

const env = withEnv(2, async (env) => {
  process.env.DATABASE_URL = env.url; // lib/db (the gateway list) is the app's client
  [A, G] = env.backends.addrs;
  const user = await env.db.user.create({ data: { email: "op@example.test", name: "Op", role: "OPERATOR", passwordHash: "x" } });
  deps = { db: env.db, resolveUser: async () => ({ id: user.id, email: user.email, name: user.name, role: "OPERATOR", locale: null, timeZone: null }) };
  ({ servicesApi: api } = await import("@/lib/api/services"));
  await createService(env.db, actor, createServiceSchema.parse({ name: "shop", nodes: [{ addr: A }, { addr: G, state: "gray" }] }));
});

const live = () => env.admin.getUpstream("shop");

async function side(headers: Record<string, string> = {}, path = "/"): Promise<"gray" | "stable"> {
  const r = await request(env.gw.proxyUrl + path, { host: "shop", headers });
  assert.equal(r.status, 200, r.text);
  return String(r.headers["x-backend-addr"]) === G ? "gray" : "stable";
}

async function revision(): Promise<number> {
  return (await env.db.service.findUniqueOrThrow({ where: { name: "shop" } })).revision;
}

function put(gray: unknown): Promise<Response> {
  return api.update(
    new Request(`${ORIGIN}/api/v1/services/shop`, {
      method: "PUT",
      headers: { host: "portal.test:3000", origin: ORIGIN, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      body: JSON.stringify({ algorithm: "round_robin", gray }),
    }),
    deps,
    "shop",
  );
}

describe("request-attribute gray rules through the portal", () => {
  it("the settings form's fields (server action body) store, push and route by them", async () => {
    // The form's rows of rules, as its fields name them: match.<i>.source|name|mode|values|prefix.
    const rows = [
      { source: "header", name: " X-User-Id ", mode: "values", values: "alice\r\n bob \n\n" },
      { source: "query", name: "", mode: "values" }, // an empty name: the row is off
      { source: "cookie", name: "team", mode: "prefix", prefix: "qa-" },
    ];
    const fields = { algorithm: "round_robin", percent: "0", cidrs: "", percentKeySource: "cookie", percentKeyName: "uid" };
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    rows.forEach((row, i) => Object.entries(row).forEach(([k, v]) => f.set(`match.${i}.${k}`, v)));
    const input = updateServiceSchema.parse({ service: "shop", revision: await revision(), algorithm: "round_robin", gray: grayFromForm(f) });
    const r = await updateService(env.db, actor, input);
    assert.ok(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes));
    const want = [
      { source: "header", name: "X-User-Id", values: ["alice", "bob"] },
      { source: "cookie", name: "team", prefix: "qa-" },
    ];
    assert.deepEqual((await loadDesired(env.db, "shop"))?.gray.match, want, "stored in the database, trimmed");
    const state = await live();
    assert.deepEqual(state?.gray.match, want, "pushed to the gateway");
    assert.deepEqual(state?.gray.percent_key, { source: "cookie", name: "uid" });
    assert.equal(diffState((await loadDesired(env.db, "shop"))!, state).kind, "in_sync");
    assert.equal(await side({ "X-User-Id": "bob" }), "gray");
    assert.equal(await side({ cookie: "team=qa-1" }), "gray");
    assert.equal(await side({ "X-User-Id": "carol" }), "stable");
  });

  it("PUT /api/v1/services/{name} takes them, the gateway routes by them, GET shows them", async () => {
    const users = Array.from({ length: 1000 }, (_, i) => `u${i}`);
    const res = await put({ match: [{ source: "query", name: "uid", values: users }], percent: 0, percent_key: { source: "header", name: "X-User-Id" } });
    assert.equal(res.status, 200, await res.clone().text());
    const state = await live();
    assert.equal(state?.gray.match?.[0]?.values?.length, 1000);
    assert.deepEqual(state?.gray.percent_key, { source: "header", name: "X-User-Id" });
    assert.equal(await side({}, "/?uid=u999"), "gray");
    assert.equal(await side({}, "/?uid=u1000"), "stable");
    const got = await api.get(new Request(`${ORIGIN}/api/v1/services/shop`, { headers: { host: "portal.test:3000" } }), deps, "shop");
    const body = (await got.json()) as { service: { gray: { match: unknown[] } } };
    assert.equal(body.service.gray.match.length, 1);
  });

  it("a drifted rule on the gateway is named in the drift view", async () => {
    const desired = (await loadDesired(env.db, "shop"))!;
    const changed = { ...(await live())!, gray: { ...(await live())!.gray, match: [{ source: "query" as const, name: "uid", prefix: "u" }] } };
    const d = diffState(desired, changed);
    assert.equal(d.kind, "content");
    assert.deepEqual(d.changes.map((c) => c.kind === "gray" && c.part), ["match"]);
  });

  it("refuses a rule the contract refuses, naming the field, and changes nothing", async () => {
    const before = [await revision(), JSON.stringify(await live())];
    const cases: [unknown, RegExp][] = [
      [{ match: [{ source: "query", name: "uid", values: ["a"], prefix: "b" }] }, /^gray\.match\.0\.values$/],
      [{ match: [{ source: "path", name: "uid", values: ["a"] }] }, /^gray\.match\.0\.source$/],
      [{ match: [{ source: "query", name: "uid", values: Array.from({ length: 1001 }, (_, i) => `v${i}`) }] }, /^gray\.match\.0\.values$/],
      [{ percent_key: { source: "query", name: "uid" } }, /^gray\.percent_key\.source$/],
    ];
    for (const [gray, field] of cases) {
      const res = await put(gray);
      const body = (await res.json()) as { error: { field: string } };
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(body.error.field, field);
    }
    assert.deepEqual([await revision(), JSON.stringify(await live())], before);
  });

  it("clearing them leaves the rule as it was before they existed", async () => {
    const res = await put({ cidrs: ["10.0.0.0/8"], percent: 5, match: [], percent_key: null });
    assert.equal(res.status, 200, await res.clone().text());
    const state = await live();
    assert.deepEqual(Object.keys(state!.gray).sort(), ["cidrs", "cookie", "header", "percent", "tester"]);
    const stored = await env.db.service.findUniqueOrThrow({ where: { name: "shop" } });
    assert.deepEqual(Object.keys(stored.gray as object).sort(), ["cidrs", "cookie", "header", "percent"]);
  });
});
