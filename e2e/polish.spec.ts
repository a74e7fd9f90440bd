// Small things seen in a browser walk: the tester link's expiry is formatted on the server in
// the user's zone, so browsers in any time zone hydrate without errors (React #418 before);
// the site has a favicon, a logo and robots.txt, served without a session.
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { openSeededService, seedService, startReleaseInUi } from "./fixtures/seed";

test("favicon, logo and robots.txt are served without a session", async ({ request }) => {
  const icon = await request.get("/favicon.ico");
  expect(icon.status()).toBe(200);
  expect((await icon.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  const logo = await request.get("/logo.svg");
  expect(logo.status()).toBe(200);
  expect(await logo.text()).toContain("<svg");
  const robots = await request.get("/robots.txt");
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toContain("Disallow: /");
});

test.describe("tester link expiry in three browser time zones", () => {
  let releaseUrl = "";
  test.beforeAll(async ({ browser }) => {
    const service = uniqueName("tz");
    const [a, b, c] = env.backends;
    await seedService(service, [a, b, c]);
    const ctx = await browser.newContext({ baseURL: env.baseURL });
    const page = await ctx.newPage();
    await login(page, "OPERATOR");
    releaseUrl = await startReleaseInUi(page, service, c, "v-tz");
    await ctx.close();
  });

  test.afterAll(async ({ browser }) => {
    const ctx = await browser.newContext({ baseURL: env.baseURL });
    const page = await ctx.newPage();
    await login(page, "OPERATOR");
    await page.goto(releaseUrl);
    await page.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
    await expect(page.getByTestId("release-status")).toHaveText("Rolled back");
    await ctx.close();
  });

  for (const timezoneId of ["UTC", "Europe/Berlin", "Asia/Shanghai"]) {
    test(`${timezoneId}: the time in the user's zone, no console errors`, async ({ browser }) => {
      const ctx = await browser.newContext({ baseURL: env.baseURL, timezoneId });
      const page = await ctx.newPage();
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await login(page, "OPERATOR");
      await page.goto(releaseUrl);
      // The user's zone (UTC: none chosen), named — whatever the browser's zone.
      await expect(page.getByTestId("tester-links")).toContainText(/until .+ UTC\./);
      await expect(page.getByTestId("release-view")).toBeVisible();
      await page.waitForTimeout(2500); // hydration and one live poll
      expect(errors).toEqual([]);
      await ctx.close();
    });
  }
});

test("node forms keep the app's own inline errors: Weight… stays open with the value, Add a node has no browser bubbles", async ({ page }) => {
  const service = uniqueName("forms");
  const [a, b] = env.backends;
  await openSeededService(page, service, [a, b]);

  const row = page.getByTestId(`node-${a}`);
  await expect(row.getByText("Unknown")).toBeVisible(); // no request reached it yet: not "OK"
  await row.getByRole("button", { name: "Weight…" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("spinbutton").fill("250");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog.getByTestId("field-error")).toBeVisible();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("spinbutton")).toHaveValue("250");
  await dialog.getByRole("spinbutton").fill("7");
  await dialog.getByRole("button", { name: "Confirm" }).click();
  await expect(dialog).toBeHidden();
  await expect(row.getByRole("cell").nth(1)).toHaveText("7");

  const add = page.getByRole("form", { name: "Add a node" });
  await expect(add).toHaveAttribute("novalidate", "");
  await add.getByRole("button", { name: "Add node" }).click();
  await expect(add.getByTestId("field-error").first()).toBeVisible();
});

test("on a 390 px screen every node has its actions in a menu within reach", async ({ page }) => {
  const service = uniqueName("narrow");
  const [a, b] = env.backends;
  await page.setViewportSize({ width: 390, height: 844 });
  await openSeededService(page, service, [a, b]);
  const row = page.getByTestId(`node-${b}`);
  const menu = row.getByTestId("node-menu");
  await menu.locator("summary").click();
  const drain = menu.getByRole("button", { name: "Drain" });
  await expect(drain).toBeInViewport();
  await drain.click();
  await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  await expect(row).toContainText("Draining");
});
