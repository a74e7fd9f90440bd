// A zh-CN reader's walk through every page: no English outside an allow-list of technical
// terms and the data itself (names, addresses, emails; code and monospace text are data too).
// Also: a plan step a custom share went past shows as done and marked skipped.
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { seedService, startReleaseInUi } from "./fixtures/seed";

// Technical terms that stay as they are in Chinese UIs.
const ALLOWED = new Set(["Graylane", "p95", "5xx", "IP", "CIDR", "URL", "API", "HTTP", "ms", "OK", "Cookie", "cookie", "Header", "X-Gray", "JSON", "CSV", "PM", "AM", "UTC", "GMT",
  "nginx", "worker", "CI", "CD",
  // the language switch names English in English; an example service name in a hint
  "English", "shop",
  // gateway groups are values typed as they are: the hints' examples and the default group
  "staging", "prod-eu", "default",
  // the keywords of a plan ("25:approval, 50:manual"), typed as they are
  "approval", "manual",
  // names of products, protocols and settings
  "NAT", "Webhook", "Slack", "Lark", "GRAYLANE_PORTAL_URL",
  // the brief's gateway call, and the managed_by value the portal writes (shown as stored)
  "upstream_add", "portal"]);

function englishWords(text: string, data: readonly string[]): string[] {
  // URLs, emails and hex are data too (URLs first: they contain the other data).
  let rest = text.replace(/https?:\/\/\S+/g, " ").replace(/\S+@\S+/g, " ").replace(/\b[0-9a-f]{16,}\b/g, " ");
  for (const d of data) rest = rest.split(d).join(" ");
  const words = (rest.match(/[A-Za-z0-9][A-Za-z0-9_-]*/g) ?? []).filter((w) => /[A-Za-z]{2,}/.test(w));
  return [...new Set(words.filter((w) => !ALLOWED.has(w)))];
}

/** What a reader reads in <main>: code, monospace and machine-readable text are data. */
async function readableText(page: import("@playwright/test").Page): Promise<string> {
  return page.locator("main").evaluate((main) => {
    const hidden = [...main.querySelectorAll<HTMLElement>("code, pre, .font-mono, time, select")].filter((el) => el.style.display !== "none");
    for (const el of hidden) el.style.display = "none";
    // Of a select, the reader sees the chosen option (the time zone list is IANA data).
    const chosen = [...main.querySelectorAll("select")].map((el) => el.selectedOptions[0]?.textContent ?? "");
    const text = (main as HTMLElement).innerText + "\n" + chosen.join("\n");
    for (const el of hidden) el.style.display = "";
    return text;
  });
}

/** The names of the services the gateway holds (a service a spec left there, no longer in the
 * database, is listed on /services as not managed by the portal: data too). */
async function gatewayServiceNames(): Promise<string[]> {
  const res = await fetch(`${env.gateway.adminUrl}/v1/summary`, { headers: { authorization: `Bearer ${env.gateway.token}` } });
  if (!res.ok) throw new Error(`gateway summary: HTTP ${res.status}`);
  return ((await res.json()) as { services: { name: string }[] }).services.map((s) => s.name);
}

/** Everything the database and the gateway hold that a page may show as it is. */
async function dataWords(): Promise<string[]> {
  const db = createDbClient(env.databaseUrl);
  try {
    const [services, releases, users, gateways, tokens, enrollTokens, events] = await Promise.all([
      db.service.findMany({ select: { name: true, groups: true } }),
      db.release.findMany({ select: { version: true } }),
      db.user.findMany({ select: { name: true, email: true } }),
      db.gateway.findMany({ select: { name: true, group: true } }),
      db.apiToken.findMany({ select: { name: true } }),
      db.enrollToken.findMany({ select: { name: true } }),
      db.auditEvent.findMany({ select: { targetName: true, reason: true, userAgent: true }, distinct: ["targetName", "reason", "userAgent"] }),
    ]);
    return [
      ...services.flatMap((x) => [x.name, ...x.groups]),
      ...releases.map((x) => x.version),
      ...users.flatMap((x) => [x.email, x.name ?? ""]),
      ...gateways.flatMap((x) => [x.name, x.group]),
      ...tokens.map((x) => x.name),
      ...enrollTokens.map((x) => x.name),
      ...events.flatMap((x) => [x.targetName, x.reason ?? "", x.userAgent]),
      ...env.backends,
      ...(await gatewayServiceNames()),
    ]
      .filter((x) => x.length > 1)
      .sort((x, y) => y.length - x.length);
  } finally {
    await db.$disconnect();
  }
}

test("every page in zh-CN has no stray English (ADMIN, who sees them all)", async ({ browser }) => {
  test.setTimeout(120_000);
  const service = uniqueName("zhall");
  await seedService(service, [env.backends[0]]);
  const zh = await browser.newContext({ baseURL: env.baseURL, locale: "zh-CN" });
  const zp = await zh.newPage();
  await zp.goto("/login");
  const found: Record<string, string[]> = {};
  const data = await dataWords();
  found["/login"] = englishWords(await readableText(zp), data);
  await login(zp, "ADMIN");
  await zp.goto("/audit");
  const firstEvent = await zp.locator('main a[href^="/audit/"]').first().getAttribute("href");
  const pages = ["/services", "/services/new", `/services/${encodeURIComponent(service)}`, "/releases", "/releases/history", "/audit", firstEvent ?? "/audit", "/gateways", "/users", "/settings", "/settings/notifications", "/settings/approvals"];
  for (const p of pages) {
    await zp.goto(p);
    await expect(zp.locator("html")).toHaveAttribute("lang", "zh-CN");
    await zp.waitForTimeout(2500); // live widgets render their first poll
    const words = englishWords(await readableText(zp), await dataWords());
    if (words.length) found[p] = words;
  }
  if (!found["/login"].length) delete found["/login"];
  expect(found).toEqual({});
  await zh.close();
});

test("release and service pages in zh-CN have no stray English; skipped steps show as done, marked skipped", async ({ page, browser }) => {
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
  await expect.poll(() => steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).toEqual(["skipped", "skipped", "current", "next"]);
  // Steps the share went past read as done, the jumped ones marked; the custom share is where the release is.
  await expect(page.getByTestId("plan-steps")).toHaveText("✓ 10% (skipped) → ✓ 20% (skipped) → 25% → 30%");

  const zh = await browser.newContext({ baseURL: env.baseURL, locale: "zh-CN" });
  const zp = await zh.newPage();
  await login(zp, "OPERATOR");
  // Names other specs gave their services and versions are data too.
  const data = await dataWords();
  const pages = [releaseUrl, `/services/${encodeURIComponent(service)}`, "/releases", "/releases/history", `/releases/new?service=${encodeURIComponent(service)}`];
  const found: Record<string, string[]> = {};
  for (const p of pages) {
    await zp.goto(p);
    await expect(zp.locator("html")).toHaveAttribute("lang", "zh-CN");
    await zp.waitForTimeout(2500); // live widgets render their first poll
    const words = englishWords(await readableText(zp), data);
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
