// API tokens on the Settings page (the same token list as the Gateways page's enrollment tokens):
// an OPERATOR creates one (shown once, stored hashed, audited, 90 days by default), it works as a
// bearer token, is listed by prefix only after a reload, and once revoked it is refused.
import { createHash } from "node:crypto";
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";

test("an OPERATOR creates an API token (shown once, stored hashed), uses it and revokes it", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const name = uniqueName("apitoken");
  try {
    await login(page, "OPERATOR");
    await page.goto("/settings");
    await expect(page.getByLabel("Expires in days")).toHaveValue("90");
    await page.getByLabel("Token name").fill(name);
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("secret-value").textContent())?.trim() ?? "";
    expect(token).toMatch(/^glt_[A-Za-z0-9_-]{43}$/);
    const row = await db.apiToken.findFirstOrThrow({ where: { name } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(row.expiresAt).not.toBeNull();
    const audit = await db.auditEvent.findFirstOrThrow({ where: { action: "api_token.create", targetName: { startsWith: name } } });
    expect(audit.actorEmail).toBe(env.users.OPERATOR.email);
    expect(JSON.stringify({ before: audit.before, after: audit.after })).not.toContain(token);

    const bearer = { Authorization: `Bearer ${token}` };
    expect((await page.request.get("/api/v1/services", { headers: bearer })).status()).toBe(200);

    // Shown once: after a reload only the prefix is listed.
    await page.reload();
    const listed = page.getByTestId(`api-token-${name}`);
    await expect(listed).toContainText(row.prefix);
    await expect(listed).toContainText("Expires");
    await expect(page.getByText(token)).toHaveCount(0);

    await listed.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await expect(listed).toContainText("Revoked");
    expect((await db.apiToken.findFirstOrThrow({ where: { name } })).revokedAt).not.toBeNull();
    expect((await page.request.get("/api/v1/services", { headers: bearer })).status()).toBe(401);
  } finally {
    await db.$disconnect();
  }
});
