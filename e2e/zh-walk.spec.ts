// A zh-CN reader's walk through the release and service pages: no English outside an
// allow-list of technical terms and the data itself (names, addresses, emails). Also: a plan
// step a custom share went past shows as skipped, a taken one as done.
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { seedService, startReleaseInUi } from "./fixtures/seed";

// Technical terms that stay as they are in Chinese UIs.
const ALLOWED = new Set(["Graylane", "p95", "5xx", "IP", "CIDR", "URL", "API", "HTTP", "ms", "OK", "Cookie", "cookie", "Header", "X-Gray", "JSON", "CSV", "PM", "AM", "UTC", "GMT"]);

function englishWords(text: string, data: readonly string[]): string[] {
  // URLs, emails and hex are data too (URLs first: they contain the other data).
  let rest = text.replace(/https?:\/\/\S+/g, " ").replace(/\S+@\S+/g, " ").replace(/\b[0-9a-f]{16,}\b/g, " ");
  for (const d of data) rest = rest.split(d).join(" ");
  const words = (rest.match(/[A-Za-z0-9][A-Za-z0-9_-]*/g) ?? []).filter((w) => /[A-Za-z]{2,}/.test(w));
  return [...new Set(words.filter((w) => !ALLOWED.has(w)))];
}

test("release and service pages in zh-CN have no stray English; skipped steps show as skipped", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const service = uniqueName("zh");
  const [a, b, c] = env.backends;
  await seedService(service, [a, b, c]);
  await login(page, "OPERATOR");
  const releaseUrl = await startReleaseInUi(page, service, c, "v7", "10, 20, 30");
  await page.getByLabel("Or set a share (%)").fill("25");
  await page.getByTestId("step-button").click();
  await expect(page.getByTestId("current-percent")).toHaveText("25%");
  const steps = page.getByTestId("plan-steps").locator("[data-step]");
  await expect.poll(() => steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).toEqual(["skipped", "current", "next"]);

  const zh = await browser.newContext({ baseURL: env.baseURL, locale: "zh-CN" });
  const zp = await zh.newPage();
  await login(zp, "OPERATOR");
  // Names other specs gave their services and versions are data too.
  const db = createDbClient(env.databaseUrl);
  const [services, releases] = await Promise.all([db.service.findMany({ select: { name: true } }), db.release.findMany({ select: { version: true } })]);
  await db.$disconnect();
  const data = [...services.map((x) => x.name), ...releases.map((x) => x.version), env.gateway.name, ...env.backends].sort((x, y) => y.length - x.length);
  const pages = [releaseUrl, `/services/${encodeURIComponent(service)}`, "/releases", "/releases/history", `/releases/new?service=${encodeURIComponent(service)}`];
  const found: Record<string, string[]> = {};
  for (const p of pages) {
    await zp.goto(p);
    await expect(zp.locator("html")).toHaveAttribute("lang", "zh-CN");
    await zp.waitForTimeout(2500); // live widgets render their first poll
    const words = englishWords(await zp.locator("main").innerText(), data);
    if (words.length) found[p] = words;
  }
  expect(found).toEqual({});

  // Leave nothing open.
  await page.goto(releaseUrl);
  await page.getByRole("button", { name: "Roll back", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByTestId("release-status")).toHaveText("Rolled back");
  await zh.close();
});
