import type { Page } from "@playwright/test";
import { readdirSync } from "node:fs";
import path from "node:path";
import { createDbClient } from "../lib/db";
import { env, expect, login, openDialog, test } from "./fixtures/env";

// Every namespace present in the catalogs: a raw key would render as "namespace.some.key".
const NAMESPACES = readdirSync(path.join(process.cwd(), "messages", "en")).map((f) => f.replace(/\.json$/, ""));
const RAW_KEY = new RegExp(`(^|[^\\w@/.-])(${NAMESPACES.join("|")})\\.[a-zA-Z_]+(\\.[a-zA-Z_]+)*`, "m");
const PAGES = ["/services", "/audit", "/gateways", "/users", "/settings"];

async function expectNoRawKeys(page: Page, where: string) {
  const text = await page.locator("body").innerText();
  const match = RAW_KEY.exec(text);
  expect(match?.[0] ?? null, `raw message key on ${where}`).toBeNull();
}

test("Accept-Language zh-CN gets Chinese on /login, English otherwise", async ({ browser }) => {
  const zh = await browser.newContext({ baseURL: env.baseURL, locale: "zh-CN", extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5" } });
  const zhPage = await zh.newPage();
  await zhPage.goto("/login");
  await expect(zhPage.getByRole("heading", { name: "登录" })).toBeVisible();
  await expect(zhPage.locator("html")).toHaveAttribute("lang", "zh-CN");
  await zh.close();

  const en = await browser.newContext({ baseURL: env.baseURL, extraHTTPHeaders: { "Accept-Language": "fr-FR,fr;q=0.9" } });
  const enPage = await en.newPage();
  await enPage.goto("/login");
  await expect(enPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  // The anonymous choice on /login is kept in a cookie.
  await enPage.getByRole("button", { name: "中文" }).click();
  await expect(enPage.getByRole("heading", { name: "登录" })).toBeVisible();
  await enPage.reload();
  await expect(enPage.getByRole("heading", { name: "登录" })).toBeVisible();
  await en.close();
});

test("switching to 中文 translates the portal at once and is saved; no page shows a raw key", async ({ page }) => {
  await login(page, "ADMIN");
  try {
    for (const p of PAGES) {
      await page.goto(p);
      await expectNoRawKeys(page, `${p} (en)`);
    }
    await page.goto("/gateways");
    await page.getByTestId("language-switch").getByRole("button", { name: "中文" }).click();
    await expect(page.getByRole("heading", { name: "网关" })).toBeVisible();
    await expect(page.getByRole("link", { name: "用户" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");

    // Saved on the user: a fresh session in an English browser still gets Chinese.
    await page.context().clearCookies();
    await login(page, "ADMIN");
    await page.goto("/settings");
    await expect(page.getByRole("heading", { name: "设置" })).toBeVisible();
    for (const p of PAGES) {
      await page.goto(p);
      await expectNoRawKeys(page, `${p} (zh-CN)`);
    }

    // Validation messages are translated too.
    const dialog = await openDialog(page, "/gateways", "添加网关");
    await dialog.getByLabel("名称").fill("bad name");
    await dialog.getByRole("button", { name: "添加网关" }).click();
    await expect(dialog.getByText("请使用 1–64 个字母、数字、点、短横线或下划线。")).toBeVisible();
    await expectNoRawKeys(page, "gateway form (zh-CN)");
  } finally {
    await page.goto("/settings");
    await page.getByTestId("language-switch").getByRole("button", { name: "English" }).click();
    await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
    // Back to "no choice saved": the specs after this one (zh-walk) get the browser's language.
    const cleanup = createDbClient(env.databaseUrl);
    await cleanup.user.update({ where: { email: env.users.ADMIN.email }, data: { locale: null } });
    await cleanup.$disconnect();
  }
});
