// Forms that post their values through a server action: the profile form on Settings and a
// service's fleet-groups form. What was typed is what gets stored.
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { openSeededService } from "./fixtures/seed";

test("the profile form stores the name and time zone typed", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const user = await db.user.findUniqueOrThrow({ where: { email: env.users.MANAGER.email } });
  try {
    await login(page, "MANAGER");
    await page.goto("/settings");
    await page.getByLabel("Name", { exact: true }).fill("Profile Form Check");
    await page.getByLabel("Time zone").selectOption("Asia/Shanghai");
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect([stored.name, stored.timeZone]).toEqual(["Profile Form Check", "Asia/Shanghai"]);
  } finally {
    await db.user.update({ where: { id: user.id }, data: { name: user.name, timeZone: user.timeZone, locale: user.locale } });
    await db.$disconnect();
  }
});

test("a service's groups form stores the groups typed", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const service = uniqueName("groups");
  try {
    await openSeededService(page, service, ["127.0.0.1:9"]);
    const form = page.getByTestId("service-groups-form");
    await form.getByLabel("Groups").fill("default, staging");
    await form.getByRole("button", { name: "Save groups" }).click();
    await expect(page.getByText(`Groups of ${service} saved.`)).toBeVisible();
    expect((await db.service.findUniqueOrThrow({ where: { name: service } })).groups).toEqual(["default", "staging"]);
  } finally {
    await db.$disconnect();
  }
});
