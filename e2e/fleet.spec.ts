// Enrollment tokens on the Gateways page (issue 15): an ADMIN creates one (shown once, stored
// hashed, audited), sees it listed and revokes it; the panel is not there for an OPERATOR, and
// the server action replayed with an OPERATOR's session is refused (the same replay with the
// ADMIN's session works, so the replay itself is sound).
import { createHash } from "node:crypto";
import type { Page } from "@playwright/test";
import { createDbClient } from "../lib/db";
import { type ActionCall, captureAction, replayAction } from "./fixtures/actions";
import { env, expect, login, test, uniqueName } from "./fixtures/env";

const replay = (page: Page, call: ActionCall, input: unknown) => replayAction(page, "/gateways", call, input);

test("an ADMIN creates an enrollment token (shown once, stored hashed) and revokes it; an OPERATOR does not see the panel", async ({ page, browser }) => {
  const db = createDbClient(env.databaseUrl);
  const name = uniqueName("enroll");
  try {
    await login(page, "ADMIN");
    await page.goto("/gateways");
    const panel = page.getByTestId("enroll-tokens");
    await expect(panel.getByRole("heading", { name: "Enrollment tokens" })).toBeVisible();
    await panel.getByLabel("Token name").fill("");
    const call = await captureAction(page, () => panel.getByRole("button", { name: "Create enrollment token" }).click());
    await expect(panel.getByText("Required.")).toBeVisible();
    const replayed = uniqueName("enroll-replay");
    expect(await replay(page, call, { name: replayed, expiresInDays: "0" })).toContain('"ok":true');
    expect(await db.enrollToken.count({ where: { name: replayed } })).toBe(1);

    await panel.getByLabel("Token name").fill(name);
    await panel.getByRole("button", { name: "Create enrollment token" }).click();
    const token = (await panel.getByTestId("secret-value").textContent())?.trim() ?? "";
    expect(token).toMatch(/^gle_[A-Za-z0-9_-]{43}$/);
    const row = await db.enrollToken.findFirstOrThrow({ where: { name } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    const created = await db.auditEvent.findFirstOrThrow({ where: { action: "enroll_token.create", targetName: { startsWith: name } } });
    expect(created.actorEmail).toBe(env.users.ADMIN.email);

    // Shown once: after a reload only the prefix is there.
    await page.reload();
    const listed = page.getByTestId(`enroll-token-${name}`);
    await expect(listed).toContainText(token.slice(0, 12));
    await expect(page.getByText(token)).toHaveCount(0);

    await listed.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await expect(page.getByTestId("toast-success").last()).toContainText(`Enrollment token ${name} revoked.`);
    await expect(listed).toContainText("Revoked");
    expect((await db.enrollToken.findFirstOrThrow({ where: { name } })).revokedAt).not.toBeNull();

    const ctx = await browser.newContext({ baseURL: env.baseURL });
    const op = await ctx.newPage();
    await login(op, "OPERATOR");
    await op.goto("/gateways");
    await expect(op.getByRole("heading", { name: "Gateways" })).toBeVisible();
    await expect(op.getByTestId("enroll-tokens")).toHaveCount(0);
    const refused = uniqueName("enroll-operator");
    const body = await replay(op, call, { name: refused, expiresInDays: "0" });
    expect(body).toContain('"code":"forbidden"');
    expect(await db.enrollToken.count({ where: { name: refused } })).toBe(0);
    expect(await db.auditEvent.count({ where: { targetName: { startsWith: refused } } })).toBe(0);
    await ctx.close();
  } finally {
    await db.$disconnect();
  }
});
