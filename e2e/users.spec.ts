import { createDbClient } from "../lib/db";
import { env, expect, login, openDialog, submitLogin, test, uniqueName } from "./fixtures/env";

test("an ADMIN creates a user, changes the role, resets the password and disables the account", async ({ page, browser }) => {
  const db = createDbClient(env.databaseUrl);
  const email = `${uniqueName("user")}@e2e.graylane.test`;
  try {
    await login(page, "ADMIN");
    const dialog = await openDialog(page, "/users", "Add user");
    await dialog.getByLabel("Email").fill("not-an-email");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await expect(dialog.getByText("Enter a valid email address.")).toBeVisible();

    await dialog.getByLabel("Email").fill(email);
    await dialog.getByLabel("Name").fill("New Operator");
    await dialog.getByLabel("Role").selectOption("OPERATOR");
    await dialog.getByRole("button", { name: "Add user" }).click();
    const password = (await dialog.getByTestId("secret-value").textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    await dialog.getByRole("button", { name: "Close" }).click();

    const row = page.getByTestId(`user-row-${email}`);
    await expect(row).toContainText("Operator");
    const stored = await db.user.findUniqueOrThrow({ where: { email } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$/);
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "user.create", targetName: email } });
    expect(JSON.stringify({ before: audit.before, after: audit.after })).not.toContain(password);

    // The new user signs in in their own browser.
    const ctx = await browser.newContext({ baseURL: env.baseURL });
    const other = await ctx.newPage();
    await submitLogin(other, email, password);
    await expect(other).toHaveURL(/\/services$/);

    // A role change asks first, like Disable (issue 13): Cancel changes nothing.
    const roleSelect = row.getByLabel(`Role of ${email}`);
    await roleSelect.selectOption("MANAGER");
    const confirm = page.getByRole("dialog", { name: `Make ${email} Manager?` });
    await expect(confirm).toContainText("They are signed out everywhere at once and sign in again as Manager");
    await expect(roleSelect).toHaveValue("OPERATOR");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await expect(confirm).toBeHidden();
    await expect(roleSelect).toHaveValue("OPERATOR");
    expect((await db.user.findUniqueOrThrow({ where: { email } })).role).toBe("OPERATOR");
    expect(await db.auditEvent.count({ where: { action: "user.role", targetName: email } })).toBe(0);
    await other.goto("/settings");
    await expect(other).toHaveURL(/\/settings$/);

    // Confirmed, the change ends their sessions at once (issue 12); signed in again, they have the new role.
    await roleSelect.selectOption("MANAGER");
    await confirm.getByRole("button", { name: "Change role" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText(`${email} is now Manager.`);
    await other.goto("/settings");
    await expect(other).toHaveURL(/\/login/);
    await submitLogin(other, email, password);
    await expect(other.getByTestId("user-menu")).toContainText("Manager");

    // Reset: ends their sessions; the old password stops working, the new one works.
    await row.getByRole("button", { name: "Reset password" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Reset password" }).click();
    const resetDialog = page.getByRole("dialog");
    const newPassword = (await resetDialog.getByTestId("secret-value").textContent())!.trim();
    expect(newPassword).not.toBe(password);
    await resetDialog.getByRole("button", { name: "Close" }).click();
    expect(await db.auditEvent.count({ where: { action: "user.password_reset", targetName: email } })).toBe(1);
    await other.goto("/settings");
    await expect(other).toHaveURL(/\/login/);
    await submitLogin(other, email, password);
    await expect(other.getByTestId("login-error")).toContainText("Wrong email or password");
    await submitLogin(other, email, newPassword);
    await expect(other.getByTestId("user-menu")).toContainText("Manager");

    // Disable: their open session ends at once.
    await row.getByRole("button", { name: "Disable" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Disable" }).click();
    await expect(row).toContainText("Disabled");
    await other.goto("/settings");
    await expect(other).toHaveURL(/\/login/);
    await submitLogin(other, email, newPassword);
    await expect(other.getByTestId("login-error")).toContainText("disabled");
    await ctx.close();

    await row.getByRole("button", { name: "Enable" }).click();
    await expect(row).toContainText("Enabled");
  } finally {
    await db.$disconnect();
  }
});

test("the last ADMIN cannot demote or disable themself", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  try {
    // Only the seeded admin may be an enabled ADMIN for this test to mean anything.
    expect(await db.user.count({ where: { role: "ADMIN", disabled: false } })).toBe(1);
    await login(page, "ADMIN");
    await page.goto("/users");
    const me = page.getByTestId(`user-row-${env.users.ADMIN.email}`);
    await expect(me.getByRole("button", { name: "Disable" })).toBeDisabled();
    await me.getByLabel(`Role of ${env.users.ADMIN.email}`).selectOption("OPERATOR");
    await page.getByRole("dialog").getByRole("button", { name: "Change role" }).click();
    await expect(page.getByTestId("toast-error")).toContainText("it would leave no enabled administrator");
    const admin = await db.user.findUniqueOrThrow({ where: { email: env.users.ADMIN.email } });
    expect(admin.role).toBe("ADMIN");
    await page.reload();
    await expect(me).toContainText("Admin");
  } finally {
    await db.$disconnect();
  }
});
