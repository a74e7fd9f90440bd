// A MANAGER lands on the release history, reads everything and can change nothing:
// no mutation control on any page, and every mutation server action of the build,
// replayed with a MANAGER session, is refused on the server. Extends auth-rbac.spec.ts
// (one captured action, with an ADMIN positive control) to every action the build has,
// found in Next's server-reference manifest, so a new action is covered without edits.
import { readFileSync } from "node:fs";
import path from "node:path";
import { appendAuditEvent } from "../lib/audit/chain";
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";

/** Actions a MANAGER may run: reads (verify) and their own profile (profile.write). */
const MANAGER_ALLOWED = new Set(["verifyAuditAction", "setLocaleAction", "updateProfileAction", "createApiTokenAction", "revokeApiTokenAction", "signOutEverywhereAction"]);

const service = uniqueName("mgr");
const releaseId = `r${Date.now().toString(36)}e2emgr`;
let db: ReturnType<typeof createDbClient>;

test.beforeAll(async () => {
  db = createDbClient(env.databaseUrl);
  const svc = await db.service.create({ data: { name: service, gray: { percent: 0, cidrs: [] }, nodes: { create: [{ addr: env.backends[0] }] } } });
  const startedAt = new Date(Date.now() - 3 * 3_600_000);
  const endedAt = new Date(Date.now() - 3_600_000);
  await db.release.create({
    data: {
      id: releaseId,
      serviceId: svc.id,
      version: "v9-auto",
      targets: [env.backends[0]],
      steps: [10, 50],
      status: "ROLLED_BACK",
      snapshot: {},
      startedBy: env.users.OPERATOR.email,
      startedAt,
      endedBy: "system",
      endedAt,
      endReason: "automatic: gray 5xx rate 30% > 5%",
    },
  });
  for (const [action, at, actor] of [
    ["release.start", startedAt, env.users.OPERATOR.email],
    ["release.step", new Date(startedAt.getTime() + 60_000), env.users.OPERATOR.email],
    ["release.rollback", endedAt, "system"],
  ] as const) {
    await db.$transaction((tx) =>
      appendAuditEvent(tx, {
        actorEmail: actor,
        actorRole: actor === "system" ? "SYSTEM" : "OPERATOR",
        action,
        targetType: "release",
        targetName: releaseId,
        serviceName: service,
        releaseId,
        createdAt: at,
        after: action === "release.step" ? { release: { percent: 10 } } : {},
      }),
    );
  }
});
test.afterAll(async () => {
  // Releases go with their service; audit events stay (append-only).
  await db.service.deleteMany({ where: { name: service } });
  await db.$disconnect();
});

test("a MANAGER lands on the release history: automatic rollback, reason, links, charts", async ({ page }) => {
  await login(page, "MANAGER");
  await expect(page).toHaveURL(/\/releases\/history$/);
  await expect(page.getByRole("heading", { name: "Release history" })).toBeVisible();
  await expect(page.getByTestId("release-charts").locator("svg").first()).toBeVisible();
  // The median-time-in-gray axis names its unit on every tick: no bare number among the ticks (the x ticks are dates).
  const medianTicks = page.getByTestId("chart-median-gray").locator(".recharts-cartesian-axis-tick-value");
  await expect(medianTicks.getByText("0 h", { exact: true })).toBeVisible();
  expect((await medianTicks.allTextContents()).filter((x) => /^[\d.,]+$/.test(x.trim()))).toEqual([]);

  const row = page.locator(`[data-testid="history-row"][data-release="${releaseId}"]`);
  await expect(row).toHaveAttribute("data-status", "ROLLED_BACK");
  await expect(row).toContainText("Automatic");
  await expect(row.getByTestId("end-reason")).toContainText("gray 5xx rate 30%");
  await expect(row.getByTestId("ended-by")).toContainText("Graylane (automatic)");
  await expect(row).toContainText("1 of 2 steps");
  await expect(row).toContainText("2 hours");

  // Per service: the service link narrows history and charts to it.
  await row.getByRole("link", { name: service }).click();
  await expect(page).toHaveURL(new RegExp(`service=${service}`));
  await expect(page.getByTestId("summary-rollbackRate")).toContainText("100%");
  await expect(page.getByTestId("history-row")).toHaveCount(1);

  // Release → its audit events → back to the release.
  await page.getByTestId("history-row").getByRole("link", { name: "all events" }).click();
  await expect(page.getByTestId("audit-row")).toHaveCount(3);
  await page.getByTestId("audit-row").first().getByRole("link", { name: "Release rolled back" }).click();
  await page.getByTestId("audit-release").click();
  await expect(page).toHaveURL(new RegExp(`/releases/${releaseId}$`));
});

test("a MANAGER sees no mutation control on any page", async ({ page }) => {
  await login(page, "MANAGER");
  // Buttons a MANAGER may see in page content: filters and searches, verify (a read); pagination is links.
  const allowed = new Set(["Filter", "Show", "Search", "Verify integrity"]);
  const pages = ["/services", `/services/${service}`, "/releases", `/releases/${releaseId}`, "/releases/history", "/audit", "/gateways"];
  for (const p of pages) {
    await page.goto(p);
    await expect(page.locator("main h1").first(), p).toBeVisible();
    const buttons = await page.locator("main button:visible").evaluateAll((els) => els.map((e) => (e.textContent ?? "").trim()));
    expect(buttons.filter((b) => !allowed.has(b)), `${p}: buttons`).toEqual([]);
    await expect(page.locator('main a[href$="/new"], main a[href*="/new?"]'), `${p}: links to create`).toHaveCount(0);
    await expect(page.locator("main form[method='post'], main input:not([type=hidden]):not([type=search]):not([type=datetime-local]):not([name=user])"), p).toHaveCount(0);
  }
});

test("every mutation server action replayed with a MANAGER session is refused on the server", async ({ page }) => {
  type Entry = { workers: Record<string, unknown>; exportedName?: string; filename?: string };
  const manifest = JSON.parse(readFileSync(path.join(process.cwd(), ".next/server/server-reference-manifest.json"), "utf8")) as { node: Record<string, Entry> };
  const actions = Object.entries(manifest.node).filter(([, a]) => a.filename?.startsWith("lib/actions/") && !MANAGER_ALLOWED.has(a.exportedName ?? ""));
  expect(actions.length).toBeGreaterThan(15);

  await login(page, "MANAGER");
  // The reconciler may audit repairs (as SYSTEM) meanwhile; what must not appear is a person's event.
  const byPeople = { actorRole: { not: "SYSTEM" } };
  const auditBefore = await db.auditEvent.count({ where: byPeople });
  const gatewaysBefore = await db.gateway.count();
  for (const [id, a] of actions) {
    // Post to a page that loads the action (dynamic segments filled with our service/release).
    const worker = Object.keys(a.workers)[0];
    const route =
      "/" +
      worker
        .replace(/^app\//, "")
        .replace(/\/page$/, "")
        .split("/")
        .filter((s) => !/^\(.*\)$/.test(s))
        .map((s) => (s === "[name]" ? service : s === "[id]" ? releaseId : s))
        .join("/");
    const res = await page.request.post(route, {
      headers: { "Next-Action": id, Accept: "text/x-component", "Content-Type": "text/plain;charset=UTF-8", Origin: env.baseURL },
      data: JSON.stringify([{ id: releaseId, service, name: service, addr: env.backends[0] }]),
    });
    const body = await res.text();
    expect(body, `${a.exportedName} via ${route}`).toContain('"code":"forbidden"');
    expect(body, `${a.exportedName}`).not.toContain('"ok":true');
  }
  expect(await db.auditEvent.count({ where: byPeople })).toBe(auditBefore);
  expect(await db.gateway.count()).toBe(gatewaysBefore);
  expect((await db.release.findUnique({ where: { id: releaseId } }))?.status).toBe("ROLLED_BACK");
});

test("the release history and audit pages speak Chinese with no raw key", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: env.baseURL, locale: "zh-CN", extraHTTPHeaders: { "Accept-Language": "zh-CN" } });
  const page = await context.newPage();
  try {
    await login(page, "MANAGER");
    for (const [p, heading] of [
      ["/releases/history", "发布历史"],
      [`/releases/history?service=${service}`, "发布历史"],
      [`/audit?release=${releaseId}`, "审计日志"],
    ] as const) {
      await page.goto(p);
      await expect(page.getByRole("heading", { name: heading })).toBeVisible();
      const text = await page.locator("main").innerText();
      expect(text, p).not.toMatch(/\b(history|audit|releases)\.[a-zA-Z]+(\.[a-zA-Z_]+)*\b/);
    }
    await expect(page.getByTestId("audit-row").first()).toContainText("发布回滚");
    await page.goto("/releases/history");
    const medianTicks = page.getByTestId("chart-median-gray").locator(".recharts-cartesian-axis-tick-value");
    await expect(medianTicks.getByText("0 小时", { exact: true })).toBeVisible();
    expect((await medianTicks.allTextContents()).filter((x) => /^[\d.,]+$/.test(x.trim()))).toEqual([]);
  } finally {
    await context.close();
  }
});
