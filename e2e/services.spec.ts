// An admin manages a service end to end through the real portal, a real gateway and real
// backends: create, add a node, traffic reaches it, drain, remove — and the audit log
// shows each step with the right actor.
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { createServiceInUi, viaGateway } from "./fixtures/seed";

async function addrsServed(service: string, n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const r = await viaGateway(service);
    expect(r.status).toBe(200);
    if (r.addr) seen.add(r.addr);
  }
  return seen;
}

async function deleteOnGateway(service: string) {
  await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, { method: "DELETE", headers: { authorization: `Bearer ${env.gateway.token}`, "x-graylane-manager": "portal" } });
}

test.describe("services", () => {
  const service = uniqueName("shop");
  test.afterAll(async () => {
    await deleteOnGateway(service);
    const db = createDbClient(env.databaseUrl);
    await db.service.deleteMany({ where: { name: service } });
    await db.$disconnect();
  });

  test("admin adds a node, traffic reaches it, drains and removes it; the audit log shows each step", async ({ page }) => {
    const admin = await login(page, "ADMIN");
    const [first, second] = env.backends;

    // Create the service with one node.
    await createServiceInUi(page, service, first);
    await page.waitForURL(`**/services/${service}`);
    await expect(page.getByTestId("toast-success")).toContainText(`✓ ${env.gateway.name}`);
    await expect(page.getByTestId(`node-${first}`)).toBeVisible();

    // Add the second node.
    const addForm = page.getByRole("form", { name: "Add a node" });
    await addForm.getByLabel("Address").fill(second);
    await addForm.getByRole("button", { name: "Add node" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText(`Node ${second} added.`);
    await expect(page.getByTestId(`node-${second}`)).toBeVisible();
    expect(await addrsServed(service, 8)).toEqual(new Set([first, second]));

    // Drain it: the confirmation names the impact.
    const row = page.getByTestId(`node-${second}`);
    await row.getByRole("button", { name: "Drain" }).click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("impact")).toContainText("Leaves 1 of 2 nodes in the stable pool.");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(row).toContainText("Draining");
    expect(await addrsServed(service, 6)).toEqual(new Set([first]));

    // Remove it.
    await row.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByTestId(`node-${second}`)).toHaveCount(0);
    const live = (await (await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, { headers: { authorization: `Bearer ${env.gateway.token}` } })).json()) as { nodes: { addr: string }[] };
    expect(live.nodes.map((n) => n.addr)).toEqual([first]);

    // The audit log: newest first, each with the admin as actor.
    await page.goto(`/audit?service=${service}`);
    const rows = page.getByTestId("audit-row");
    await expect(rows).toHaveCount(4);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-action")))).toEqual(["node.remove", "node.state", "node.add", "service.create"]);
    for (const r of await rows.all()) await expect(r).toContainText(admin.email);

    // The detail of the drain: before/after and the gateway's outcome.
    await rows.nth(1).getByRole("link", { name: "Node state changed" }).click();
    await expect(page.getByTestId("audit-actor")).toHaveText(admin.email);
    await expect(page.getByTestId("audit-diff")).toContainText("draining");
    await expect(page.getByTestId(`outcome-${env.gateway.name}`)).toHaveAttribute("data-ok", "true");

    // The overview lists it with its live membership on the gateway.
    await page.goto("/services");
    const card = page.getByTestId(`service-${service}`);
    await expect(card.getByTestId(`live-${service}-${env.gateway.name}`)).toContainText("In sync");

    // Phone width: the page does not scroll sideways (wide tables scroll inside their box).
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ["/services", `/services/${service}`, "/audit"]) {
      await page.goto(path);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
  });
});
