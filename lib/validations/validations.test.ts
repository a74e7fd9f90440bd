import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalAdminUrl, createGatewaySchema, updateGatewaySchema } from "./gateway";
import { createServiceSchema } from "./node";
import { createApiTokenSchema, setLocaleSchema, updateProfileSchema } from "./settings";
import { createUserSchema } from "./user";

function fieldMessages(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
  return Object.fromEntries((result.error?.issues ?? []).map((i) => [i.path.join("."), i.message]));
}

describe("gateway schemas", () => {
  const ok = { name: "gw-1.prod_a", adminUrl: "http://127.0.0.1:6000/", token: "12345678" };

  it("accepts a valid gateway and trims the URL's trailing slash", () => {
    const r = createGatewaySchema.parse(ok);
    assert.equal(r.adminUrl, "http://127.0.0.1:6000");
  });

  it("names the bad field with a catalog key", () => {
    const r = createGatewaySchema.safeParse({ name: "bad name", adminUrl: "ftp://x", token: "short" });
    assert.deepEqual(fieldMessages(r), { name: "gatewayName", adminUrl: "adminUrlOrigin", token: "tokenMin" });
    assert.equal(createGatewaySchema.safeParse({ ...ok, name: "x".repeat(65) }).success, false);
    assert.equal(createGatewaySchema.safeParse({ ...ok, adminUrl: "http://user:pw@host:6000" }).success, false);
    assert.equal(createGatewaySchema.safeParse({ ...ok, adminUrl: "https://gw.example.com:6443" }).success, true);
  });

  it("takes only scheme, host and port as the admin URL (the token goes wherever it points)", () => {
    for (const bad of [
      "http://127.0.0.1:6000/v1/upstreams",
      "http://127.0.0.1:6000/anything/",
      "http://127.0.0.1:6000?x=1",
      "http://127.0.0.1:6000/?",
      "http://127.0.0.1:6000#frag",
      "http://127.0.0.1:6000/#",
      "http://user@127.0.0.1:6000",
      "http://:pw@127.0.0.1:6000",
      "http://127.0.0.1:6000\\evil",
      "http://127.0.0.1:6000//",
      "http://169.254.169.254/latest/meta-data",
      "file:///etc/passwd",
    ]) {
      const r = createGatewaySchema.safeParse({ ...ok, adminUrl: bad });
      assert.deepEqual(fieldMessages(r), { adminUrl: "adminUrlOrigin" }, bad);
      assert.equal(updateGatewaySchema.safeParse({ ...ok, id: "g1", adminUrl: bad }).success, false, bad);
    }
    assert.equal(canonicalAdminUrl(" HTTPS://GW.Example.com:6443/ "), "https://gw.example.com:6443");
    assert.equal(canonicalAdminUrl("http://[::1]:6000"), "http://[::1]:6000");
    assert.equal(canonicalAdminUrl("http://gw:80"), "http://gw");
  });

  it("takes an optional proxy URL for tester links and names it when it is not http(s)", () => {
    assert.equal(createGatewaySchema.parse(ok).proxyUrl, "");
    assert.equal(createGatewaySchema.parse({ ...ok, proxyUrl: " http://gw.example.com/ " }).proxyUrl, "http://gw.example.com");
    assert.deepEqual(fieldMessages(createGatewaySchema.safeParse({ ...ok, proxyUrl: "gw.example.com" })), { proxyUrl: "proxyUrl" });
  });

  it("keeps the token when an edit leaves it empty, but refuses a short one", () => {
    assert.equal(updateGatewaySchema.parse({ ...ok, id: "g1", token: "" }).token, "");
    assert.equal(updateGatewaySchema.safeParse({ ...ok, id: "g1", token: "1234" }).success, false);
  });
});

describe("service schema", () => {
  it("gives a new service no static header/cookie matcher", () => {
    const r = createServiceSchema.parse({ name: "shop" });
    assert.deepEqual(r.gray, { header: null, cookie: null, cidrs: [], percent: 0 });
  });
});

describe("user schema", () => {
  it("normalizes the email and allows a generated password", () => {
    const r = createUserSchema.parse({ email: "  Ops@Example.COM ", name: "", role: "OPERATOR", password: "" });
    assert.equal(r.email, "ops@example.com");
  });

  it("refuses bad email, role and short password", () => {
    const r = createUserSchema.safeParse({ email: "nope", name: "", role: "ROOT", password: "short" });
    assert.deepEqual(fieldMessages(r), { email: "email", role: "role", password: "passwordMin" });
  });
});

describe("settings schemas", () => {
  it("checks language and time zone", () => {
    assert.equal(setLocaleSchema.safeParse({ locale: "zh-CN" }).success, true);
    assert.equal(setLocaleSchema.safeParse({ locale: "fr" }).success, false);
    assert.equal(updateProfileSchema.safeParse({ name: "", locale: "", timeZone: "Asia/Shanghai" }).success, true);
    assert.deepEqual(fieldMessages(updateProfileSchema.safeParse({ name: "", locale: "", timeZone: "Mars/Base" })), { timeZone: "timeZone" });
  });

  it("bounds API token names and expiry", () => {
    assert.equal(createApiTokenSchema.parse({ name: "ci", expiresInDays: "30" }).expiresInDays, 30);
    assert.equal(createApiTokenSchema.safeParse({ name: "", expiresInDays: "0" }).success, false);
    assert.equal(createApiTokenSchema.safeParse({ name: "ci", expiresInDays: "-1" }).success, false);
  });
});

describe("release steps", () => {
  it("are whole ascending percentages: a release stores them as integers, so 1.5 is refused with the field's message instead of failing in the database", async () => {
    const { stepsInputSchema } = await import("./release");
    assert.deepEqual(stepsInputSchema.parse("1, 5, 25, 50"), [1, 5, 25, 50]);
    for (const bad of ["1.5, 5", [1, 2.25], "5, 1", "0, 5"]) {
      const r = stepsInputSchema.safeParse(bad);
      assert.equal(r.success, false, JSON.stringify(bad));
      assert.equal(r.error!.issues[0].message, "validation.steps");
    }
  });
});
