import type { Page } from "@playwright/test";
import { createDbClient } from "../lib/db";
import { type ActionCall, captureAction, replayAction } from "./fixtures/actions";
import { env, expect, login, openDialog, test, uniqueName } from "./fixtures/env";

// The UI hides what a MANAGER may not do, but only the server decides: a server action
// replayed with a MANAGER's session must be refused, while the same replay with an
// ADMIN's session works (so the replay itself is proven sound).

async function captureCreateGatewayCall(page: Page): Promise<ActionCall> {
  const dialog = await openDialog(page, "/gateways", "Add gateway");
  await dialog.getByLabel("Name").fill("bad name!");
  await dialog.getByLabel("Admin API URL").fill(env.gateway.adminUrl);
  await dialog.getByLabel("Admin token").fill(env.gateway.token);
  const call = await captureAction(page, () => dialog.getByRole("button", { name: "Add gateway" }).click());
  await expect(dialog.getByTestId("field-error")).toBeVisible();
  return call;
}

const replay = (page: Page, call: ActionCall, input: unknown) => replayAction(page, "/gateways", call, input);

test("a MANAGER sees no mutation controls and a replayed mutation is refused on the server", async ({ page, browser }) => {
  const db = createDbClient(env.databaseUrl);
  try {
    await login(page, "ADMIN");
    const call = await captureCreateGatewayCall(page);

    // Positive control: the captured call works with an ADMIN session.
    const adminName = uniqueName("replay-admin");
    const adminBody = await replay(page, call, { name: adminName, adminUrl: env.gateway.adminUrl, token: env.gateway.token });
    expect(adminBody).toContain('"ok":true');
    expect(await db.gateway.count({ where: { name: adminName } })).toBe(1);

    const managerContext = await browser.newContext({ baseURL: env.baseURL });
    const manager = await managerContext.newPage();
    await login(manager, "MANAGER");

    await manager.goto("/gateways");
    await expect(manager.getByRole("heading", { name: "Gateways" })).toBeVisible();
    await expect(manager.getByTestId(`gateway-row-${env.gateway.name}`)).toBeVisible();
    for (const name of ["Add gateway", "Test connection", "Sync now", "Edit", "Remove"]) {
      await expect(manager.getByRole("button", { name })).toHaveCount(0);
    }
    await manager.goto("/users");
    await expect(manager.getByRole("heading", { name: "Not allowed" })).toBeVisible();
    await expect(manager.getByRole("link", { name: "Users" })).toHaveCount(0);

    const managerName = uniqueName("replay-manager");
    const managerBody = await replay(manager, call, { name: managerName, adminUrl: env.gateway.adminUrl, token: env.gateway.token });
    expect(managerBody).toContain('"code":"forbidden"');
    expect(managerBody).not.toContain('"ok":true');
    expect(await db.gateway.count({ where: { name: managerName } })).toBe(0);
    expect(await db.auditEvent.count({ where: { targetName: managerName } })).toBe(0);
    await managerContext.close();

    await db.gateway.deleteMany({ where: { name: adminName } });
  } finally {
    await db.$disconnect();
  }
});
