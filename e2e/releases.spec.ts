// A gray release in the browser with real gateway traffic: start it from the releases page,
// open the tester link and see the new version, take a traffic step, promote, and find each
// step in the release's timeline. Global setup gives gateway and portal one GRAYLANE_TESTER_KEY.
import { request as httpRequest } from "node:http";
import { createDbClient } from "../lib/db";
import { env, expect, login, test } from "./fixtures/env";

// The browser reaches the gateway as http://127.0.0.1:<port>/, and the gateway names the
// service after the Host header: so this spec's service is "127.0.0.1".
const SERVICE = "127.0.0.1";

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c));
      res.on("end", () => resolve(body));
    })
      .on("error", reject)
      .end();
  });
}

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(env.gateway.adminUrl + path, {
    method,
    headers: { authorization: `Bearer ${env.gateway.token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

test.describe("gray release", () => {
  const [stableA, stableB, gray] = env.backends;

  test.beforeAll(async () => {
    // Seed the service the way the portal stores and pushes it (revision 1 everywhere).
    const db = createDbClient(env.databaseUrl);
    try {
      await db.gateway.updateMany({ where: { name: env.gateway.name }, data: { proxyUrl: env.gateway.proxyUrl } });
      const gray0 = { header: { name: "X-Gray", value: "1" }, cookie: null, cidrs: [], percent: 0, tester: null };
      await db.service.create({
        data: { name: SERVICE, gray: gray0, revision: 1, nodes: { create: [stableA, stableB, gray].map((addr) => ({ addr })) } },
      });
      const put = await admin("PUT", `/v1/upstreams/${SERVICE}`, {
        name: SERVICE,
        revision: 1,
        algorithm: "round_robin",
        gray: gray0,
        nodes: [stableA, stableB, gray].map((addr) => ({ addr, weight: 1, state: "active", backup: false })),
      });
      expect(put.ok).toBe(true);
    } finally {
      await db.$disconnect();
    }
    // The node that gets the new build says so.
    await get(`http://${gray}/__ctl/version?v=v2-e2e`);
  });

  test.afterAll(async () => {
    await get(`http://${gray}/__ctl/version?v=v1`).catch(() => undefined);
  });

  test("start, tester link, step, promote, timeline", async ({ page, browser }) => {
    await login(page, "OPERATOR");
    await page.goto("/releases");
    await page.getByRole("link", { name: "Start a release" }).click();
    await page.getByLabel("Service", { exact: true }).selectOption(SERVICE);
    await page.getByRole("checkbox", { name: gray }).check();
    await page.getByLabel("Version label").fill("v2-e2e");
    // The preview shows the gray node leaving the stable pool.
    await expect(page.getByTestId("preview-after").getByTestId("split-gray")).toHaveText(gray);
    await page.getByRole("button", { name: "Start release" }).click();
    await page.waitForURL(/\/releases\/r[0-9a-z]+$/);
    await expect(page.getByRole("heading", { name: `Release v2-e2e of ${SERVICE}` })).toBeVisible();

    // A tester opens the link in their own browser and lands on the gray node.
    const href = await page.getByTestId("tester-link").getAttribute("href");
    expect(href).toContain("/__graylane/tester?service=127.0.0.1&exp=");
    const tester = await browser.newContext();
    const tp = await tester.newPage();
    await tp.goto(href!);
    await expect(tp.locator("body")).toContainText('"version":"v2-e2e"');
    await tp.reload();
    await expect(tp.locator("body")).toContainText(gray);
    // Everyone else keeps the stable version.
    const other = await browser.newContext();
    const op = await other.newPage();
    for (let i = 0; i < 5; i++) {
      await op.goto(env.gateway.proxyUrl + "/");
      await expect(op.locator("body")).toContainText('"version":"v1"');
    }
    // Leaving gray clears the cookie.
    const leave = await page.getByTestId("leave-link").getAttribute("href");
    await tp.goto(leave!);
    await expect(tp.locator("body")).toContainText('"version":"v1"');
    await tester.close();
    await other.close();

    // First traffic step, after its preview.
    await expect(page.getByTestId("step-preview").getByTestId("split-expected")).toContainText("1%");
    await page.getByTestId("step-button").click();
    await expect(page.getByTestId("current-percent")).toHaveText("1%");

    // Promote.
    await page.getByRole("button", { name: "Promote" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Promote" }).click();
    await expect(page.getByText("Promoted", { exact: true }).first()).toBeVisible();
    const live = (await (await admin("GET", `/v1/upstreams/${SERVICE}`)).json()) as { upstream?: { nodes: { state: string }[] }; nodes?: { state: string }[] };
    const nodes = (live.upstream ?? live).nodes!;
    expect(nodes.every((n) => n.state === "active")).toBe(true);

    // The timeline has every step with its actor and gateway outcome.
    const entries = page.getByTestId("timeline-entry");
    await expect(entries).toHaveCount(3);
    await expect(entries.nth(0)).toHaveAttribute("data-action", "release.start");
    await expect(entries.nth(1)).toHaveAttribute("data-action", "release.step");
    await expect(entries.nth(2)).toHaveAttribute("data-action", "release.promote");
    for (let i = 0; i < 3; i++) {
      await expect(entries.nth(i)).toContainText("operator@e2e.graylane.test");
      await expect(entries.nth(i)).toContainText(`${env.gateway.name}: ok`);
    }
  });

  test("a MANAGER sees releases but no controls", async ({ page }) => {
    await login(page, "MANAGER");
    await page.goto("/releases");
    await expect(page.getByTestId("release-list")).toContainText(SERVICE);
    await expect(page.getByRole("link", { name: "Start a release" })).toHaveCount(0);
    await page.getByTestId("release-list").getByRole("link", { name: "v2-e2e" }).click();
    await expect(page.getByTestId("timeline-entry")).toHaveCount(3);
    await expect(page.getByTestId("release-controls")).toHaveCount(0);
    await expect(page.getByTestId("tester-links")).toHaveCount(0);
  });
});
