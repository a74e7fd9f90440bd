import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { createDbClient } from "../lib/db";
import { hashPassword } from "../lib/passwords";
import { env, expect, login, signIn, test, uniqueName } from "./fixtures/env";

// Issue 12 items 1–6, as a browser (or an attacker's page) sees them.

/** A user of its own, so sign-outs and throttling here cannot end another spec's sessions. */
async function ownUser(role: "ADMIN" | "OPERATOR" | "MANAGER" = "OPERATOR") {
  const db = createDbClient(env.databaseUrl);
  const email = `${uniqueName("sec")}@e2e.graylane.test`;
  const password = `pw-${randomBytes(9).toString("base64url")}`;
  await db.user.create({ data: { email, name: "Sec Test", role, passwordHash: await hashPassword(password) } });
  return { db, email, password };
}

/** An HTML page served from another port of the portal's host: same site, other origin. */
async function serveOtherOrigin(html: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test.describe("CSRF on the release API (item 1)", () => {
  test("a form on another port of the same host cannot use the session; the portal's own JSON fetch can", async ({ page }) => {
    await login(page, "OPERATOR");
    const service = uniqueName("csrf");
    // text/plain form whose body parses as JSON: {"service":"…","version":"v9","targets":["127.0.0.1:1"],"x":"="}
    const name = JSON.stringify({ service, version: "v9", targets: ["127.0.0.1:1"], x: "" }).slice(0, -2);
    const attacker = await serveOtherOrigin(
      `<form id="f" method="POST" enctype="text/plain" action="${env.baseURL}/api/v1/releases">` +
        `<input name='${name}' value='"}'></form><script>document.getElementById("f").submit()</script>`,
    );
    try {
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.url() === `${env.baseURL}/api/v1/releases` && r.request().method() === "POST"),
        page.goto(attacker.url),
      ]);
      expect(res.status()).toBe(403);
      expect((await res.json()).error.code).toBe("cross_origin");
    } finally {
      await attacker.close();
    }

    // The same call from the portal's own page, as JSON: it reaches the handler (unknown service → 404).
    await page.goto("/releases");
    const own = await page.evaluate(async (body) => {
      const r = await fetch("/api/v1/releases", { method: "POST", headers: { "content-type": "application/json" }, body });
      return { status: r.status, code: ((await r.json()) as { error?: { code?: string } }).error?.code };
    }, JSON.stringify({ service, version: "v9", targets: ["127.0.0.1:1"] }));
    expect(own.status).not.toBe(403);
    expect(own.code).not.toBe("cross_origin");

    // Same origin but text/plain: refused too (a JSON API only takes JSON from a session).
    const plain = await page.evaluate(async (body) => (await fetch("/api/v1/releases", { method: "POST", headers: { "content-type": "text/plain" }, body })).status, JSON.stringify({ service }));
    expect(plain).toBe(403);
  });
});

test.describe("login redirect (item 2)", () => {
  test("a callbackUrl that parses to another host stays on the portal", async ({ page }) => {
    await page.route("http://evil.example/**", (route) => route.fulfill({ status: 200, body: "evil" }));
    const { db, email, password } = await ownUser();
    try {
      for (const cb of ["%2F%09%2Fevil.example", "%2F%5Cevil.example", "%2F%2Fevil.example", "http%3A%2F%2Fevil.example%2F", "%2F%0A%2Fevil.example"]) {
        await page.context().clearCookies();
        await signIn(page, email, password, `/login?callbackUrl=${cb}`);
        expect(new URL(page.url()).origin, `callbackUrl=${cb}`).toBe(env.baseURL);
      }
      // A real same-origin path with its query is kept.
      await page.context().clearCookies();
      await signIn(page, email, password, `/login?callbackUrl=${encodeURIComponent("/audit?q=x")}`);
      await expect(page).toHaveURL(/\/audit\?q=x$/);
    } finally {
      await db.$disconnect();
    }
  });
});

test.describe("client address (item 3)", () => {
  test("X-Forwarded-For from an untrusted peer is ignored by the login throttle", async ({ page }) => {
    const { db, email } = await ownUser();
    try {
      const csrf = await page.request.get("/api/auth/csrf");
      const { csrfToken } = (await csrf.json()) as { csrfToken: string };
      await page.request.post("/api/auth/callback/credentials", {
        headers: { "x-forwarded-for": "203.0.113.50", "x-real-ip": "203.0.113.51", "x-graylane-forwarded-for": "203.0.113.52" },
        form: { csrfToken, email, password: "wrong", json: "true" },
        maxRedirects: 0,
      });
      const rows = await db.loginAttempt.findMany({ where: { email } });
      expect(rows).toHaveLength(1);
      expect(rows[0].clientIp).toBe("127.0.0.1");
    } finally {
      await db.$disconnect();
    }
  });
});

test.describe("sessions (item 5)", () => {
  test("'Sign out everywhere' ends the user's other sessions at once", async ({ browser }) => {
    const { db, email, password } = await ownUser();
    const a = await browser.newContext({ baseURL: env.baseURL });
    const b = await browser.newContext({ baseURL: env.baseURL });
    try {
      const pa = await a.newPage();
      const pb = await b.newPage();
      await signIn(pa, email, password);
      await signIn(pb, email, password);
      await pb.goto("/settings");
      await expect(pb).toHaveURL(/\/settings$/);

      await pa.goto("/settings");
      await pa.getByRole("button", { name: "Sign out everywhere" }).click();
      await pa.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
      await expect(pa).toHaveURL(/\/login/);

      await pb.goto("/settings");
      await expect(pb).toHaveURL(/\/login/);
      // The API refuses the old cookie too.
      expect((await pb.request.get("/api/v1/releases")).status()).toBe(401);
    } finally {
      await a.close();
      await b.close();
      await db.$disconnect();
    }
  });

  test("a session cookie copied before sign-out does not work after it", async ({ browser }) => {
    const { db, email, password } = await ownUser();
    const a = await browser.newContext({ baseURL: env.baseURL });
    const thief = await browser.newContext({ baseURL: env.baseURL });
    try {
      const pa = await a.newPage();
      await signIn(pa, email, password);
      await thief.addCookies(await a.cookies());
      await pa.getByTestId("user-menu").click();
      await pa.getByRole("menuitem", { name: "Sign out" }).click();
      await expect(pa).toHaveURL(/\/login/);

      const pt = await thief.newPage();
      await pt.goto("/settings");
      await expect(pt).toHaveURL(/\/login/);
    } finally {
      await a.close();
      await thief.close();
      await db.$disconnect();
    }
  });
});

test.describe("security headers (item 6)", () => {
  test("pages carry CSP with a nonce, anti-framing, nosniff and a referrer policy; no HSTS over plain HTTP", async ({ page }) => {
    // "/services/logo.png": a service may be named like a file; its page is still a page.
    for (const path of ["/login", "/services", "/services/logo.png"]) {
      const res = await page.request.get(path, { maxRedirects: 0 });
      const h = res.headers();
      const csp = h["content-security-policy"] ?? "";
      const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src")) ?? "";
      expect(scriptSrc, `${path} script-src`).toMatch(/'nonce-[A-Za-z0-9+/=_-]{16,}'/);
      expect(scriptSrc).not.toContain("unsafe-inline");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(h["x-frame-options"]).toBe("DENY");
      expect(h["x-content-type-options"]).toBe("nosniff");
      expect(h["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      expect(h["strict-transport-security"]).toBeUndefined();
    }
    // A fresh nonce per response.
    const n1 = (await page.request.get("/login")).headers()["content-security-policy"];
    const n2 = (await page.request.get("/login")).headers()["content-security-policy"];
    expect(n1).not.toBe(n2);
  });

  test("the main pages run under the CSP without a single violation", async ({ page }) => {
    const violations: string[] = [];
    page.on("console", (msg) => {
      if (/Content Security Policy|Refused to (execute|load|apply)/i.test(msg.text())) violations.push(msg.text());
    });
    await page.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    await login(page, "ADMIN");
    for (const path of ["/services", "/services/new", "/releases", "/releases/history", "/audit", "/gateways", "/users", "/settings"]) {
      await page.goto(path);
      await page.waitForLoadState("networkidle");
    }
    // Hydrated (client JS ran): the user menu opens.
    await page.getByTestId("user-menu").click();
    await expect(page.getByRole("menuitem", { name: "Sign out" })).toBeVisible();
    expect(violations).toEqual([]);
  });

  test("a page the role may not see answers HTTP 403", async ({ page }) => {
    await login(page, "MANAGER");
    for (const path of ["/users", "/services/new", "/releases/new"]) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: /permission|not allowed|forbidden/i })).toBeVisible();
    }
    const ok = await page.goto("/releases/history");
    expect(ok?.status()).toBe(200);
  });
});
