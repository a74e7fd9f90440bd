// The Gateways page's polling read (GET /api/gateways/live → gatewaysApi.live): each gateway's
// live status, lost or seen, group and sync state, against a real PostgreSQL — the session
// only, and error details for an ADMIN only. The browser side: e2e/fleet.spec.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SessionUser } from "@/lib/auth";
import type { ApiDeps } from "@/lib/api/handler";
import type { GatewaysLive } from "@/lib/gateways/live";
import type { Db } from "@/lib/db";
import { createTestDatabase, ensurePostgresServer } from "../../scripts/lib/database";

const ORIGIN = "http://portal.test:3000";
const get = (headers: Record<string, string> = {}) => new Request(`${ORIGIN}/api/gateways/live`, { headers: { host: "portal.test:3000", ...headers } });

let db: Db;
let drop: () => Promise<void>;
let session: SessionUser;
let deps: ApiDeps;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let gatewaysApi: any;

before(async () => {
  const t = await createTestDatabase(await ensurePostgresServer());
  // The registry reads through the app's client (lib/db): point it at this database.
  process.env.DATABASE_URL = t.url;
  const { createDbClient } = await import("@/lib/db");
  db = createDbClient(t.url);
  drop = async () => {
    await db.$disconnect();
    await t.drop();
  };
  session = { id: "u1", email: "admin@live.test", name: "Admin", role: "ADMIN", locale: null, timeZone: "UTC" };
  deps = { db, resolveUser: async () => session };
  ({ gatewaysApi } = await import("@/lib/api/gateways"));
});

after(async () => {
  const { db: appDb } = await import("@/lib/db");
  await appDb.$disconnect();
  await drop?.();
});

async function live(headers: Record<string, string> = {}): Promise<{ status: number; body: GatewaysLive }> {
  const res: Response = await gatewaysApi.live(get(headers), deps);
  assert.equal(res.headers.get("cache-control"), "no-store");
  return { status: res.status, body: await res.json() };
}

describe("GET /api/gateways/live", () => {
  it("lists a gateway nobody answers for as lost until it is seen, with its group and sync state", async () => {
    const row = await db.gateway.create({ data: { name: "edge-x", adminUrl: "http://127.0.0.1:9", tokenEnc: "not-a-token", group: "prod-eu" } });
    const first = await live();
    assert.equal(first.status, 200);
    const [g] = first.body.gateways;
    assert.equal(g.name, "edge-x");
    assert.equal(g.probe.reachable, false);
    assert.equal(g.lost, true, "never seen and unreachable");
    assert.equal(g.lastSeenAt, null);
    assert.equal(g.sync?.status, "empty");
    assert.deepEqual(first.body.groups, [{ group: "prod-eu", count: 1 }]);
    assert.ok(!("tokenEnc" in g) && !("syncLeaseUntil" in g), Object.keys(g).join());
    assert.ok(!g.probe.reachable && g.probe.error.message !== "", "an ADMIN reads the error");

    const seen = new Date();
    await db.gateway.update({ where: { id: row.id }, data: { lastSeenAt: seen } });
    const second = await live();
    assert.equal(second.body.gateways[0].lost, false);
    assert.equal(second.body.gateways[0].lastSeenAt, seen.toISOString());
    assert.ok(Date.parse(second.body.at) >= Date.parse(first.body.at));

    session = { ...session, role: "OPERATOR" };
    const op = (await live()).body.gateways[0];
    assert.ok(!op.probe.reachable && op.probe.error.message === "", "an OPERATOR reads the code only");
  });

  it("takes the session only: an API token is refused with 401", async () => {
    const res: Response = await gatewaysApi.live(get({ authorization: "Bearer glt_x" }), deps);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "unauthorized");
  });
});
