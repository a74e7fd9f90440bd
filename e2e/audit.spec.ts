// With a second gateway that is down, a change reports which gateway failed, the
// service shows as out of sync, and the audit detail records the failed outcome.
import { createDbClient } from "../lib/db";
import { encrypt, parseSecretKey } from "../lib/crypto";
import { freePort } from "../scripts/lib/net";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { createServiceInUi } from "./fixtures/seed";

test.describe("a gateway down", () => {
  const service = uniqueName("down");
  const deadName = uniqueName("dead-gw");
  let db: ReturnType<typeof createDbClient>;

  test.beforeAll(async () => {
    db = createDbClient(env.databaseUrl);
    const port = await freePort(); // nothing listens there
    const key = parseSecretKey("0".repeat(64)); // the token cannot be used anyway: nobody answers
    await db.gateway.create({ data: { name: deadName, adminUrl: `http://127.0.0.1:${port}`, tokenEnc: encrypt("unused-token", key) } });
  });

  test.afterAll(async () => {
    await db.gateway.deleteMany({ where: { name: deadName } });
    await db.service.deleteMany({ where: { name: service } });
    await db.$disconnect();
    await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, { method: "DELETE", headers: { authorization: `Bearer ${env.gateway.token}`, "x-graylane-manager": "portal" } });
  });

  test("the action reports the failed gateway and the audit records it", async ({ page }) => {
    const op = await login(page, "OPERATOR");
    await createServiceInUi(page, service, env.backends[0]);

    const toast = page.getByTestId("toast-error");
    await expect(toast).toContainText(`✓ ${env.gateway.name}`);
    await expect(toast).toContainText(`✗ ${deadName}`);
    await expect(toast).toContainText("cannot be reached");

    await page.waitForURL(`**/services/${service}`);
    await expect(page.getByTestId(`sync-${deadName}`)).toContainText("Failed");
    await expect(page.getByTestId(`sync-${env.gateway.name}`)).toContainText("In sync");
    await expect(page.getByTestId("retry-push")).toBeVisible();

    await page.goto(`/audit?service=${service}`);
    await page.getByTestId("audit-row").first().getByRole("link", { name: "Service created" }).click();
    await expect(page.getByTestId("audit-actor")).toHaveText(op.email);
    await expect(page.getByTestId(`outcome-${deadName}`)).toHaveAttribute("data-ok", "false");
    await expect(page.getByTestId(`outcome-${deadName}`)).toContainText("gateway_unreachable");
    await expect(page.getByTestId(`outcome-${env.gateway.name}`)).toHaveAttribute("data-ok", "true");
  });
});
