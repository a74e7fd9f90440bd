import { randomBytes } from "node:crypto";
import { createDbClient } from "../lib/db";
import { hashPassword } from "../lib/passwords";
import { env, expect, login, submitLogin, test, uniqueName } from "./fixtures/env";

test.describe("sign-in", () => {
  test("each role signs in and lands on its start page", async ({ page }) => {
    await login(page, "ADMIN");
    await expect(page).toHaveURL(/\/services$/);
    await expect(page.getByTestId("user-menu")).toContainText("Admin");

    await page.context().clearCookies();
    await login(page, "MANAGER");
    await expect(page).toHaveURL(/\/releases\/history$/); // issue 5: MANAGERs land on the release history
  });

  test("a wrong password is refused with a clear message", async ({ page }) => {
    await submitLogin(page, env.users.OPERATOR.email, "not-the-password");
    await expect(page.getByTestId("login-error")).toHaveText("Wrong email or password.");
    await expect(page).toHaveURL(/\/login/);
  });

  test("every page needs a session", async ({ page }) => {
    for (const path of ["/", "/services", "/audit", "/gateways", "/users", "/settings"]) {
      await page.goto(path);
      await expect(page, `${path} without a session`).toHaveURL(/\/login(\?|$)/);
    }
    // and a server action without a session is refused (no cookie at all)
    const res = await page.request.post("/gateways", {
      headers: { "Next-Action": "0".repeat(42), "Content-Type": "text/plain;charset=UTF-8" },
      data: "[]",
      maxRedirects: 0,
    });
    expect(res.status()).toBe(307);
  });

  test("signing out ends the session", async ({ page }) => {
    await login(page, "OPERATOR");
    await page.getByTestId("user-menu").click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/settings");
    await expect(page).toHaveURL(/\/login/);
  });

  test("wrong passwords are throttled, and then even the right one is refused", async ({ page }) => {
    // Its own user, so throttling it cannot lock out the users other specs need.
    const db = createDbClient(env.databaseUrl);
    const email = `${uniqueName("throttle")}@e2e.graylane.test`;
    const password = `pw-${randomBytes(9).toString("base64url")}`;
    await db.user.create({ data: { email, name: "Throttled", role: "OPERATOR", passwordHash: await hashPassword(password) } });
    try {
      const attempt = async (pw: string) => {
        await submitLogin(page, email, pw);
        return page.getByTestId("login-error");
      };
      for (let i = 0; i < 5; i++) {
        await expect(await attempt(`wrong-${i}`)).toHaveText("Wrong email or password.");
      }
      const err = await attempt(password);
      await expect(err).toContainText("Too many failed sign-ins. Try again at");
      await expect(page).toHaveURL(/\/login/);
      expect(await db.loginAttempt.count({ where: { email, success: false } })).toBe(5);
      expect(await db.loginAttempt.count({ where: { email, success: true } })).toBe(0);
    } finally {
      await db.$disconnect();
    }
  });
});
