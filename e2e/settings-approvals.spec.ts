// The approval policies page (Settings → Approvals): an ADMIN sees one row per service under the
// table's headings and saves a policy, which is stored.
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { seedService } from "./fixtures/seed";

test("an ADMIN lists the approval policies per service and saves one", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const service = uniqueName("appr");
  try {
    await seedService(service, ["127.0.0.1:9"]);
    await login(page, "ADMIN");
    await page.goto("/settings/approvals");
    const table = page.getByTestId("approval-policies");
    await expect(table.getByRole("columnheader")).toHaveText(["Service", "Promotion needs approval", "Steps above % need approval", "MANAGERs may approve", ""]);
    const row = table.getByTestId(`policy-row-${service}`);
    await expect(row).toContainText(service);
    await row.getByLabel("Promotion needs approval").check();
    await row.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText(`Approval policy of ${service} saved.`)).toBeVisible();
    expect((await db.approvalPolicy.findUniqueOrThrow({ where: { serviceName: service } })).promotionNeedsApproval).toBe(true);
  } finally {
    await db.$disconnect();
  }
});
