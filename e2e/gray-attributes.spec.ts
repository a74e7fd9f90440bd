// Request-attribute gray rules in the service settings form, in a real browser against the
// real portal and gateway: a header list and a percent key are entered, saved, pushed, routed
// by, and shown again after a reload.
import { request as httpRequest } from "node:http";
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { createServiceInUi } from "./fixtures/seed";

function viaGateway(service: string, headers: Record<string, string>): Promise<string | null> {
  const url = new URL(env.gateway.proxyUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: "/", headers: { host: service, ...headers } }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve((JSON.parse(body) as { addr?: string }).addr ?? null));
    });
    req.on("error", reject);
    req.end();
  });
}

test.describe("request-attribute gray rules", () => {
  const service = uniqueName("attr");
  test.afterAll(async () => {
    await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, { method: "DELETE", headers: { authorization: `Bearer ${env.gateway.token}`, "x-graylane-manager": "portal" } });
    const db = createDbClient(env.databaseUrl);
    await db.service.deleteMany({ where: { name: service } });
    await db.$disconnect();
  });

  test("a header list and a percent key are saved, pushed, routed by and shown again", async ({ page }) => {
    await login(page, "ADMIN");
    const [first, second] = env.backends;
    await createServiceInUi(page, service, first);
    await page.waitForURL(`**/services/${service}`);
    const addForm = page.getByRole("form", { name: "Add a node" });
    await addForm.getByLabel("Address").fill(second);
    await addForm.getByRole("button", { name: "Add node" }).click();
    await expect(page.getByTestId(`node-${second}`)).toBeVisible();
    await page.getByTestId(`node-${second}`).getByRole("button", { name: "Send to gray" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByTestId(`node-${second}`)).toContainText("Gray");

    const settings = page.getByRole("form", { name: "Gray rule and algorithm" });
    await settings.getByTestId("add-attribute-rule").click();
    const rule = settings.getByTestId("attribute-rule");
    await rule.getByLabel("Name").fill("X-User-Id");
    await rule.getByLabel("Values, one per line").fill("alice\nbob");
    await settings.getByTestId("percent-key-source").selectOption("header");
    await settings.getByTestId("percent-key-name").fill("X-User-Id");
    await settings.getByRole("button", { name: "Save and push" }).click();
    const saved = page.getByTestId("toast-success").filter({ hasText: "Gray rule and algorithm saved." });
    await expect(saved).toContainText(`✓ ${env.gateway.name}`);

    const live = (await (await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, { headers: { authorization: `Bearer ${env.gateway.token}` } })).json()) as {
      gray: { match?: unknown; percent_key?: unknown };
    };
    expect(live.gray.match).toEqual([{ source: "header", name: "X-User-Id", values: ["alice", "bob"] }]);
    expect(live.gray.percent_key).toEqual({ source: "header", name: "X-User-Id" });
    expect(await viaGateway(service, { "X-User-Id": "bob" })).toBe(second);
    expect(await viaGateway(service, { "X-User-Id": "carol" })).toBe(first);

    await page.reload();
    const again = page.getByRole("form", { name: "Gray rule and algorithm" }).getByTestId("attribute-rule");
    await expect(again.getByLabel("Values, one per line")).toHaveValue("alice\nbob");
  });
});
