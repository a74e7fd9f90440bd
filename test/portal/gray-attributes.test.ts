// Request-attribute gray rules (gray.match, gray.percent_key) through every portal way in,
// against a real PostgreSQL database and a real gateway: the settings form's fields
// (grayFromForm → updateServiceSchema → updateService, the server action's body) and
// PUT /api/v1/services/{name} store them trimmed, push them, and the gateway routes by them;
// the drift view compares them; a rule the contract refuses changes nothing and names the field;
// clearing them leaves a rule the gateway stores exactly as before they existed.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SessionUser } from "@/lib/auth";
import type { Db } from "@/lib/db";
import { createGatewayClient } from "@/lib/gateways/client";
import { createService, updateService } from "@/lib/services/mutations";
import { loadDesired } from "@/lib/services/read";
import { diffState } from "@/lib/services/state";
import { grayFromForm } from "@/lib/validations/gray-form";
import { createServiceSchema } from "@/lib/validations/node";
import { updateServiceSchema } from "@/lib/validations/service";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { freePort } from "../../scripts/lib/net";
import { freshDatabase } from "../support/database";
import { request } from "../support/http";
import { actor, addGateway, type TestGateway } from "./helpers";

const ORIGIN = "http://portal.test:3000";
let db: Db;
let drop: () => Promise<void>;
let gw: TestGateway;
let be: BackendsHandle;
let A: string, G: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let api: any;
let deps: { db: Db; resolveUser: () => Promise<SessionUser> };

const live = () => createGatewayClient({ adminUrl: gw.adminUrl, token: gw.token }).getUpstream("shop");

async function side(headers: Record<string, string> = {}, path = "/"): Promise<"gray" | "stable"> {
  const r = await request(gw.proxyUrl + path, { host: "shop", headers });
  assert.equal(r.status, 200, r.text);
  return String(r.headers["x-backend-addr"]) === G ? "gray" : "stable";
}

async function revision(): Promise<number> {
  return (await db.service.findUniqueOrThrow({ where: { name: "shop" } })).revision;
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

before(async () => {
  const t = await freshDatabase();
  process.env.DATABASE_URL = t.url; // lib/db (the gateway list) is the app's client
  db = t.db;
  drop = t.stop;
  gw = await addGateway(db, "gw-attr");
  be = await startBackends({ ports: [await freePort(), await freePort()], version: "v1" });
  [A, G] = be.addrs;
  const user = await db.user.create({ data: { email: "op@example.test", name: "Op", role: "OPERATOR", passwordHash: "x" } });
  deps = { db, resolveUser: async () => ({ id: user.id, email: user.email, name: user.name, role: "OPERATOR", locale: null, timeZone: null }) };
  ({ servicesApi: api } = await import("@/lib/api/services"));
  await createService(db, actor, createServiceSchema.parse({ name: "shop", nodes: [{ addr: A }, { addr: G, state: "gray" }] }));
});

after(async () => {
  const { db: appDb } = await import("@/lib/db");
  await appDb.$disconnect();
  await be?.stop().catch(() => undefined);
  await gw?.stop().catch(() => undefined);
  await drop?.();
});

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
    const r = await updateService(db, actor, input);
    assert.ok(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes));
    const want = [
      { source: "header", name: "X-User-Id", values: ["alice", "bob"] },
      { source: "cookie", name: "team", prefix: "qa-" },
    ];
    assert.deepEqual((await loadDesired(db, "shop"))?.gray.match, want, "stored in the database, trimmed");
    const state = await live();
    assert.deepEqual(state?.gray.match, want, "pushed to the gateway");
    assert.deepEqual(state?.gray.percent_key, { source: "cookie", name: "uid" });
    assert.equal(diffState((await loadDesired(db, "shop"))!, state).kind, "in_sync");
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
    const desired = (await loadDesired(db, "shop"))!;
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
    const stored = await db.service.findUniqueOrThrow({ where: { name: "shop" } });
    assert.deepEqual(Object.keys(stored.gray as object).sort(), ["cidrs", "cookie", "header", "percent"]);
  });
});
