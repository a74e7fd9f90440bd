import { createDbClient } from "../lib/db";
import { env, expect, login, openDialog, test, uniqueName } from "./fixtures/env";

test("an ADMIN adds, tests, edits and removes a gateway; the token never reaches the browser", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const name = uniqueName("gw");
  // Keep the reads, not their results: a body still being read when the test ends would
  // otherwise never be checked. Redirects have no body to read ("").
  const bodyReads: Promise<string>[] = [];
  page.on("response", (r) => {
    if (r.url().startsWith(env.baseURL)) bodyReads.push(r.text().catch(() => ""));
  });
  try {
    await login(page, "ADMIN");
    const dialog = await openDialog(page, "/gateways", "Add gateway");

    // Invalid input: errors next to the fields, nothing saved.
    await dialog.getByLabel("Name").fill("no spaces allowed");
    await dialog.getByLabel("Admin API URL").fill("ftp://example");
    await dialog.getByLabel("Admin token").fill("short");
    await dialog.getByRole("button", { name: "Add gateway" }).click();
    await expect(dialog.getByText("Use 1–64 letters, digits, dots, dashes or underscores.")).toBeVisible();
    await expect(dialog.getByText("Enter only scheme, host and port, e.g. http://10.0.0.5:6000 — no path, query, fragment or user:password@.")).toBeVisible();
    await expect(dialog.getByText("At least 8 characters.")).toBeVisible();
    expect(await db.gateway.count({ where: { name: "no spaces allowed" } })).toBe(0);

    await dialog.getByLabel("Name").fill(name);
    await dialog.getByLabel("Admin API URL").fill(env.gateway.adminUrl);
    await dialog.getByLabel("Admin token").fill(env.gateway.token);
    await dialog.getByRole("button", { name: "Add gateway" }).click();
    await expect(page.getByTestId("toast-success")).toContainText(`Gateway ${name} added.`);

    const row = page.getByTestId(`gateway-row-${name}`);
    await expect(row.getByTestId("gateway-status")).toContainText("Reachable");
    await expect(row.getByTestId("gateway-status")).toContainText("nginx");

    await row.getByRole("button", { name: "Test connection" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText(new RegExp(`${name} answered in \\d+ ms: nginx `));

    // Stored encrypted, audited without the token.
    const stored = await db.gateway.findUniqueOrThrow({ where: { name } });
    expect(stored.tokenEnc).not.toContain(env.gateway.token);
    const created = await db.auditEvent.findFirstOrThrow({ where: { action: "gateway.create", targetName: name } });
    expect(created.actorEmail).toBe(env.users.ADMIN.email);
    expect(JSON.stringify({ before: created.before, after: created.after })).not.toContain(env.gateway.token);

    // A new admin URL needs the token again (the stored one stays with the old address);
    // a wrong port shows the gateway unreachable.
    await row.getByRole("button", { name: "Edit" }).click();
    await dialog.getByLabel("Admin API URL").fill("http://127.0.0.1:9");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByTestId("field-error")).toContainText("Enter the admin token again");
    await dialog.getByLabel("Admin token").fill(env.gateway.token);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText(`Gateway ${name} saved.`);
    await expect(row.getByTestId("gateway-status")).toContainText("Unreachable");
    await expect(row.getByTestId("gateway-status")).toContainText("cannot be reached");

    await row.getByRole("button", { name: "Edit" }).click();
    await dialog.getByLabel("Admin API URL").fill(env.gateway.adminUrl);
    await dialog.getByLabel("Admin token").fill(env.gateway.token);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(row.getByTestId("gateway-status")).toContainText("Reachable");

    // Same URL, empty token: the stored token is kept.
    await row.getByRole("button", { name: "Edit" }).click();
    await dialog.getByLabel("Proxy URL (optional)").fill(env.gateway.proxyUrl);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog).toHaveCount(0);
    await expect(row.getByTestId("gateway-status")).toContainText("Reachable");
    await expect
      .poll(async () => (await db.auditEvent.findFirstOrThrow({ where: { action: "gateway.update", targetName: name }, orderBy: { id: "desc" } })).after)
      .toMatchObject({ adminUrl: env.gateway.adminUrl, proxyUrl: env.gateway.proxyUrl, tokenChanged: false });

    // A wrong token: the gateway's 401 is shown, translated.
    await row.getByRole("button", { name: "Edit" }).click();
    await dialog.getByLabel("Admin token").fill("wrong-token-123");
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(row.getByTestId("gateway-status")).toContainText("Error");
    await expect(row.getByTestId("gateway-status")).toContainText("The gateway refused the token (401)");
    const afterWrongToken = await db.auditEvent.findFirstOrThrow({ where: { action: "gateway.update", targetName: name }, orderBy: { id: "desc" } });
    expect(afterWrongToken.after).toMatchObject({ tokenChanged: true });

    await row.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText(`Gateway ${name} removed.`);
    await expect(row).toHaveCount(0);
    expect(await db.gateway.count({ where: { name } })).toBe(0);
    expect(await db.auditEvent.count({ where: { action: "gateway.delete", targetName: name } })).toBe(1);

    const seenBodies = (await Promise.all(bodyReads)).filter((b) => b !== "");
    expect(seenBodies.length).toBeGreaterThan(0);
    for (const body of seenBodies) expect(body).not.toContain(env.gateway.token);
  } finally {
    await db.gateway.deleteMany({ where: { name } });
    await db.$disconnect();
  }
});
