// Every way a gateway gets into the portal's database — the Gateways page's actions (lib/gateways
// createGateway/updateGateway behind createGatewaySchema/updateGatewaySchema) and the demo's
// registration (scripts/lib/demo-register.ts) — against a real PostgreSQL database.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createTestDatabase, ensurePostgresServer, type TestDatabase } from "../../scripts/lib/database";
import { freePort } from "../../scripts/lib/net";

process.env.GRAYLANE_SECRET_KEY ??= randomBytes(32).toString("hex");

let testDb: TestDatabase;
let gateways: typeof import("@/lib/gateways/registry");
let schemas: typeof import("@/lib/validations/gateway");
let db: typeof import("@/lib/db").db;
const admin = { id: null, email: "admin@example.test", role: "ADMIN", clientIp: "203.0.113.1", userAgent: "test" } as const;

function fieldErrorsOf(e: unknown): Record<string, string[]> | undefined {
  return (e as { fieldErrors?: Record<string, string[]> }).fieldErrors;
}

before(async () => {
  testDb = await createTestDatabase(await ensurePostgresServer());
  // lib/db creates its client on first use, from DATABASE_URL.
  process.env.DATABASE_URL = testDb.url;
  gateways = await import("@/lib/gateways/registry");
  schemas = await import("@/lib/validations/gateway");
  db = (await import("@/lib/db")).db;
});

after(async () => {
  await db?.$disconnect().catch(() => {});
  await testDb?.drop();
});

describe("gateway registry", () => {
  it("an edit that changes the admin URL needs the token again; the stored token stays where it was entered", async () => {
    const created = await gateways.createGateway(admin, schemas.createGatewaySchema.parse({ name: "gw-token", adminUrl: "http://127.0.0.1:6000", token: "first-token-123" }));
    const tokenBefore = (await db.gateway.findUniqueOrThrow({ where: { id: created.id } })).tokenEnc;
    const moved = schemas.updateGatewaySchema.parse({ id: created.id, name: "gw-token", adminUrl: "http://127.0.0.2:6000", token: "" });
    const err = await gateways.updateGateway(admin, moved).catch((e: unknown) => e);
    assert.equal((err as { code?: string }).code, "invalid_input");
    assert.deepEqual(fieldErrorsOf(err), { token: ["specific.gatewayTokenForNewUrl"] });
    const row = await db.gateway.findUniqueOrThrow({ where: { id: created.id } });
    assert.equal(row.adminUrl, "http://127.0.0.1:6000");
    assert.equal(row.tokenEnc, tokenBefore);

    // Same URL (even written differently), empty token: a rename keeps the token.
    await gateways.updateGateway(admin, schemas.updateGatewaySchema.parse({ id: created.id, name: "gw-token2", adminUrl: "HTTP://127.0.0.1:6000/", token: "" }));
    assert.equal((await db.gateway.findUniqueOrThrow({ where: { id: created.id } })).tokenEnc, tokenBefore);
    // New URL with a new token: accepted.
    await gateways.updateGateway(admin, schemas.updateGatewaySchema.parse({ id: created.id, name: "gw-token2", adminUrl: "http://127.0.0.2:6000", token: "second-token-123" }));
    assert.equal((await db.gateway.findUniqueOrThrow({ where: { id: created.id } })).adminUrl, "http://127.0.0.2:6000");
  });

  it("GRAYLANE_GATEWAY_ALLOW: a host resolving outside the networks is refused on create and update, naming adminUrl", async () => {
    const saved = process.env.GRAYLANE_GATEWAY_ALLOW;
    try {
      process.env.GRAYLANE_GATEWAY_ALLOW = "10.0.0.0/8";
      for (const adminUrl of ["http://127.0.0.1:6000", "http://localhost:6000"]) {
        const err = await gateways.createGateway(admin, schemas.createGatewaySchema.parse({ name: "gw-out", adminUrl, token: "token-12345678" })).catch((e: unknown) => e);
        assert.deepEqual(fieldErrorsOf(err), { adminUrl: ["specific.gatewayNotAllowed"] }, adminUrl);
      }
      assert.equal(await db.gateway.count({ where: { name: "gw-out" } }), 0);
      const inside = await gateways.createGateway(admin, schemas.createGatewaySchema.parse({ name: "gw-in", adminUrl: "http://10.1.2.3:6000", token: "token-12345678" }));
      const err = await gateways
        .updateGateway(admin, schemas.updateGatewaySchema.parse({ id: inside.id, name: "gw-in", adminUrl: "http://127.0.0.1:6000", token: "token-12345678" }))
        .catch((e: unknown) => e);
      assert.deepEqual(fieldErrorsOf(err), { adminUrl: ["specific.gatewayNotAllowed"] });
      process.env.GRAYLANE_GATEWAY_ALLOW = "127.0.0.0/8, ::1";
      await gateways.createGateway(admin, schemas.createGatewaySchema.parse({ name: "gw-local", adminUrl: "http://localhost:6000", token: "token-12345678" }));
    } finally {
      if (saved === undefined) delete process.env.GRAYLANE_GATEWAY_ALLOW;
      else process.env.GRAYLANE_GATEWAY_ALLOW = saved;
    }
  });

  it("error details of an unreachable gateway reach ADMIN only; other roles get the code", async () => {
    const port = await freePort();
    await gateways.createGateway(admin, schemas.createGatewaySchema.parse({ name: "gw-dead", adminUrl: `http://127.0.0.1:${port}`, token: "token-12345678" }));
    const all = (await gateways.listGatewaysWithStatus()).filter((g) => g.name === "gw-dead");
    const [asAdmin] = gateways.gatewaysForRole("ADMIN", all);
    assert.equal(asAdmin.probe.reachable, false);
    assert.ok(!asAdmin.probe.reachable && asAdmin.probe.error.message.length > 0);
    for (const role of ["OPERATOR", "MANAGER"] as const) {
      const [g] = gateways.gatewaysForRole(role, all);
      assert.ok(!g.probe.reachable);
      assert.deepEqual(g.probe.error, { code: "gateway_unreachable", message: "" });
      assert.equal(g.lastError, "gateway_unreachable");
      assert.doesNotMatch(JSON.stringify(g), /ECONNREFUSED|GET \/v1\/status/);
    }
    assert.equal(gateways.gatewayErrorLineFor("OPERATOR", "http_404: <html>internal page</html>"), "http_404");
    assert.equal(gateways.gatewayErrorLineFor("ADMIN", "http_404: <html>internal page</html>"), "http_404: <html>internal page</html>");
  });
});

describe("the demo's registration goes through the same checks", () => {
  it("refuses an admin URL with a path, and registers a good one with an audit event", async () => {
    const { registerDemo } = await import("../../scripts/lib/demo-register");
    const port = await freePort(); // nothing listens: the push fails, the registration stays
    await assert.rejects(registerDemo(`http://127.0.0.1:${port}/v1/upstreams?x=1`, "http://127.0.0.1:8080", "demo-token-12345678", ["127.0.0.1:18081"]));
    assert.equal(await db.gateway.count({ where: { name: "local" } }), 0);
    await registerDemo(`http://127.0.0.1:${port}`, "http://127.0.0.1:8080", "demo-token-12345678", ["127.0.0.1:18081"]);
    const row = await db.gateway.findUniqueOrThrow({ where: { name: "local" } });
    assert.equal(row.adminUrl, `http://127.0.0.1:${port}`);
    assert.equal(await db.auditEvent.count({ where: { action: "gateway.create", targetName: "local" } }), 1);
  });
});
