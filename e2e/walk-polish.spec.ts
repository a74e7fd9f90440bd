// More of what the browser walk found (issue 13): sign-in lands through a server redirect, links
// prefetch on intent only, node actions on a Down node and the force box, one case style for
// table headers, and an old tester link opened in a browser shows a page in the reader's language.
import type { Page, Request } from "@playwright/test";
import { createHmac } from "node:crypto";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { openSeededService, seedService, startReleaseInUi } from "./fixtures/seed";

test.describe("after sign-in", () => {
  for (const [role, landing] of [
    ["OPERATOR", "/services"],
    ["MANAGER", "/releases/history"],
  ] as const) {
    test(`${role}: the document for / is the server's redirect to ${landing}`, async ({ page }) => {
      const user = env.users[role];
      await page.goto("/login");
      const documents: { path: string; status: number; location: string | undefined }[] = [];
      page.on("response", (r) => {
        if (r.request().resourceType() === "document") documents.push({ path: new URL(r.url()).pathname, status: r.status(), location: r.headers()["location"] });
      });
      // The client router fetching "/" as an RSC payload is what painted the blank page.
      const rscHome: string[] = [];
      page.on("request", (r) => {
        if (r.headers()["rsc"] && new URL(r.url()).pathname === "/") rscHome.push(r.url());
      });
      await page.locator('input[name="email"]').fill(user.email);
      await page.locator('input[name="password"]').fill(user.password);
      await page.locator('form button[type="submit"]').click();
      await page.waitForURL((u) => u.pathname === landing);
      await expect(page.getByTestId("user-menu")).toBeVisible();
      expect(documents[0]?.path).toBe("/");
      expect([302, 303, 307, 308]).toContain(documents[0]?.status);
      expect(new URL(documents[0]!.location!, env.baseURL).pathname).toBe(landing);
      expect(documents[1]).toMatchObject({ path: landing, status: 200 });
      expect(rscHome).toEqual([]);
    });
  }
});

/** RSC requests (prefetches and navigations) the page makes from now on. */
function rscRequests(page: Page): Request[] {
  const seen: Request[] = [];
  page.on("request", (r) => {
    if (r.headers()["rsc"]) seen.push(r);
  });
  return seen;
}

test("a page load prefetches no link; hovering or focusing one prefetches that one", async ({ page }) => {
  await seedService(uniqueName("pf"), [env.backends[0]]);
  await seedService(uniqueName("pf"), [env.backends[1]]);
  await login(page, "ADMIN");
  const rsc = rscRequests(page);
  await page.goto("/services");
  await expect(page.getByRole("link", { name: "Audit log" })).toBeVisible();
  await page.waitForLoadState("load");
  // Next's default prefetched every link in view right after load; nothing may go out now.
  await page.waitForTimeout(3000);
  expect(rsc.map((r) => r.url())).toEqual([]);

  const prefetched = page.waitForRequest((r) => Boolean(r.headers()["rsc"]) && new URL(r.url()).pathname === "/audit");
  await page.getByRole("link", { name: "Audit log" }).hover();
  await prefetched;
  expect(rsc.every((r) => new URL(r.url()).pathname === "/audit")).toBe(true);

  const focused = page.waitForRequest((r) => Boolean(r.headers()["rsc"]) && new URL(r.url()).pathname === "/gateways");
  await page.getByRole("link", { name: "Gateways" }).focus();
  await focused;

  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
});

test("a Down node can be drained; a change that leaves no stable node needs the force box, every time", async ({ page }) => {
  const service = uniqueName("down");
  const [a, b] = env.backends;
  await openSeededService(page, service, [a, b]);
  const rowA = page.getByTestId(`node-${a}`);
  const rowB = page.getByTestId(`node-${b}`);
  const dialog = page.getByRole("dialog");

  await rowB.getByRole("button", { name: "Take down" }).click();
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(rowB).toContainText("Down");
  await rowB.getByRole("button", { name: "Drain" }).click();
  await expect(dialog).toContainText(`Drain ${b}`);
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(rowB).toContainText("Draining");

  // Taking the last active node down: Confirm waits for the force box.
  await rowA.getByRole("button", { name: "Take down" }).click();
  await expect(dialog.getByTestId("impact")).toContainText("No node would be left to take stable traffic");
  const confirm = dialog.getByRole("button", { name: "Confirm" });
  await expect(confirm).toBeDisabled();
  await dialog.getByTestId("force").check();
  await expect(confirm).toBeEnabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  // Ticked once and cancelled: the next dialog asks again.
  await rowA.getByRole("button", { name: "Remove" }).click();
  await expect(dialog.getByTestId("force")).not.toBeChecked();
  await expect(confirm).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await rowA.getByRole("button", { name: "Take down" }).click();
  await dialog.getByTestId("force").check();
  await confirm.click();
  await expect(rowA).toContainText("Down");
});

test("table headers use one case style and stay on one line on every page, in both languages", async ({ browser }) => {
  const service = uniqueName("th");
  await seedService(service, [env.backends[0], env.backends[1]]);
  // An ended release, so the release list and history have tables.
  const ctx0 = await browser.newContext({ baseURL: env.baseURL });
  const op = await ctx0.newPage();
  await login(op, "OPERATOR");
  await startReleaseInUi(op, service, env.backends[1], "v-th", "10, 50");
  await op.getByRole("button", { name: "Roll back", exact: true }).click();
  await op.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
  await expect(op.getByTestId("release-status")).toHaveText("Rolled back");
  await ctx0.close();
  for (const locale of ["en-US", "zh-CN"]) {
    const ctx = await browser.newContext({ baseURL: env.baseURL, locale });
    const page = await ctx.newPage();
    await login(page, "ADMIN");
    const seen: string[] = [];
    for (const p of ["/services", `/services/${encodeURIComponent(service)}`, "/releases", "/releases/history", "/audit", "/gateways", "/users", "/settings"]) {
      await page.goto(p);
      await expect(page.locator("main")).toBeVisible();
      // [text-transform, lines the heading's text takes, text]: Chinese breaks between any two characters.
      const heads = await page.locator("main th").evaluateAll((ths) =>
        ths.map((th) => {
          const range = document.createRange();
          range.selectNodeContents(th);
          const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
          return [getComputedStyle(th).textTransform, lines, th.textContent ?? ""] as const;
        }),
      );
      for (const [transform, lines, text] of heads) seen.push(`${p} ${transform} ${lines <= 1 ? "one-line" : `${lines}-lines`} ${text}`);
    }
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((s) => s.split(" ")[1] !== "none" || s.split(" ")[2] !== "one-line")).toEqual([]);
    await ctx.close();
  }
});

test("an old tester link opened in a browser shows a page in the reader's language", async ({ browser }) => {
  const exp = Math.floor(Date.now() / 1000) + 600;
  // Signed with a key the gateway does not have: what a link from an earlier release looks like to it.
  const sig = createHmac("sha256", "not-the-key").update(`127.0.0.1.${exp}.graylane_tester`).digest("hex");
  const url = `${env.gateway.proxyUrl}/__graylane/tester?service=127.0.0.1&exp=${exp}&sig=${sig}`;
  for (const [locale, title, text] of [
    ["en-US", "This tester link no longer works", "This tester link has been replaced or has expired. Ask the person running the release for a new one."],
    ["zh-CN", "此测试链接已失效", "此测试链接已被替换或已过期。请向负责本次发布的人索取新的链接。"],
  ] as const) {
    const ctx = await browser.newContext({ locale });
    const page = await ctx.newPage();
    const res = await page.goto(url);
    expect(res?.status()).toBe(403);
    expect(res?.headers()["content-type"]).toBe("text/html; charset=utf-8");
    await expect(page).toHaveTitle(title);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
    await expect(page.locator("main")).toContainText(text);
    await expect(page.locator("body")).not.toContainText("bad signature");
    await ctx.close();
  }
});
