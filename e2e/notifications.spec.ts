import { createDbClient } from "../lib/db";
import { verifySignature } from "../lib/notifications/signer";
import { startReceiver } from "../test/notifications/receiver";
import { env, expect, login, test, uniqueName } from "./fixtures/env";

test("an ADMIN adds a webhook, sees its secret once, sends a test and reads the delivery log", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const rx = await startReceiver();
  const name = uniqueName("hook");
  const answers: { req: import("@playwright/test").Request; body: string }[] = [];
  try {
    await login(page, "ADMIN");
    // From here on, every answer of the portal is taken whole where it passes (route.fetch,
    // redirects passed on as they are): read from page events, Chromium could drop a body once
    // the page had moved on (the router's own history update after an action), and the checks
    // below lost it.
    // A request the page gave up meanwhile (a poll cut by a reload) has no answer to take.
    await page.route((u) => u.href.startsWith(env.baseURL), async (route) => {
      try {
        const res = await route.fetch({ maxRedirects: 0 });
        const body = await res.body();
        answers.push({ req: route.request(), body: body.toString("utf8") });
        await route.fulfill({ response: res, body });
      } catch {
        await route.abort().catch(() => {});
      }
    });
    await page.getByRole("link", { name: "Notifications" }).click();
    await expect(page).toHaveURL(/\/settings\/notifications$/);
    await page.getByTestId("webhook-add").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name", { exact: true }).fill(name);
    await dialog.getByLabel("URL", { exact: true }).fill("ftp://example.com/hook");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByTestId("field-error")).toContainText("Only http and https URLs are accepted.");
    expect(await db.webhook.count({ where: { name } })).toBe(0);

    await dialog.getByLabel("URL", { exact: true }).fill(`${rx.url}/secret-path/token123`);
    const sent = answers.length;
    await dialog.getByRole("button", { name: "Save" }).click();
    const secret = (await page.getByTestId("secret-value").textContent())!.trim();
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole("dialog").getByRole("button", { name: "Dismiss" }).click();
    // The secret went to the browser once, in the create answer (the server action's POST);
    // from now on it never does.
    const created = answers.slice(sent).find((a) => a.req.method() === "POST");
    expect(created, "the create answer was taken").toBeTruthy();
    expect(created!.body).toContain(secret);
    expect(created!.body).not.toContain("token123");

    const row = page.getByTestId(`webhook-row-${name}`);
    await expect(row).toContainText(`http://127.0.0.1:${new URL(rx.url).port}/…`);
    await row.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText("Test delivered (HTTP 200).");
    const [got] = await rx.waitFor(1);
    expect(verifySignature(secret, got.body, { signature: got.headers["x-graylane-signature"] as string, timestamp: got.headers["x-graylane-timestamp"] as string })).toBe(true);
    expect(JSON.parse(got.body).type).toBe("webhook.test");

    // A failing receiver: the log shows the failure and the retry, by itself.
    await row.getByRole("link", { name: "Delivery log" }).click();
    await expect(page.getByTestId("deliveries-table")).toContainText("delivered");
    rx.script.push(500, 500, 500); // the worker retries after 10 s: still pending while we look
    await page.getByRole("button", { name: "Send test" }).click();
    await expect(page.getByTestId("toast-error").last()).toContainText("HTTP 500");
    await expect(page.getByTestId("deliveries-table")).toContainText("pending");

    // Neither the URL's path nor the secret reached the browser again (pages, polls, actions).
    await page.reload();
    await expect(page.getByTestId("deliveries-table")).toBeVisible();
    const all = answers.filter((a) => a !== created).map((a) => a.body).join("\n");
    expect(all).not.toContain("token123");
    expect(all).not.toContain(secret);
  } finally {
    await page.unrouteAll({ behavior: "ignoreErrors" });
    await db.webhook.deleteMany({ where: { name } });
    await rx.stop();
    await db.$disconnect();
  }
});

test("webhooks are ADMIN only: no menu entry and HTTP 403 for an OPERATOR", async ({ page }) => {
  await login(page, "OPERATOR");
  await expect(page.getByRole("link", { name: "Notifications" })).toHaveCount(0);
  const res = await page.goto("/settings/notifications");
  expect(res?.status()).toBe(403);
  const api = await page.request.get("/api/webhooks/x/deliveries");
  expect(api.status()).toBe(403);
});
