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

test("the Gateways table updates by itself: a new gateway appears, and shows lost, then seen, without a reload", async ({ page }) => {
  const db = createDbClient(env.databaseUrl);
  const name = uniqueName("gw-live");
  try {
    await login(page, "OPERATOR");
    await page.goto("/gateways");
    await expect(page.getByTestId(`gateway-row-${env.gateway.name}`)).toBeVisible();
    // A mark in the document: a reload would lose it. (Not Playwright's framenavigated: the app
    // router's own history.replaceState after hydration counts as one, and under load it came
    // after this point.)
    await page.evaluate(() => ((window as unknown as { __graylaneMarker: number }).__graylaneMarker = 42));
    // A box registered while the page is open (a group of its own: no service is pushed to it);
    // nothing answers at its admin URL and it was never seen: lost.
    const row = await db.gateway.create({ data: { name, adminUrl: "http://127.0.0.1:9", tokenEnc: "not-a-token", group: `live-${name}` } });
    const listed = page.getByTestId(`gateway-row-${name}`);
    await expect(listed).toBeVisible({ timeout: 15_000 });
    await expect(listed.getByTestId("gateway-lost")).toBeVisible();
    await expect(listed.getByTestId("gateway-last-seen")).toContainText("Never");
    // Seen a moment ago (what a reconcile pass records): no longer lost.
    await db.gateway.update({ where: { id: row.id }, data: { lastSeenAt: new Date() } });
    await expect(listed.getByTestId("gateway-lost")).toHaveCount(0, { timeout: 15_000 });
    await expect(listed.getByTestId("gateway-last-seen")).not.toContainText("Never");
    // And again not seen for longer than the lost time (GRAYLANE_GATEWAY_LOST_AFTER, 5 min by default).
    await db.gateway.update({ where: { id: row.id }, data: { lastSeenAt: new Date(Date.now() - 24 * 3_600_000) } });
    await expect(listed.getByTestId("gateway-lost")).toBeVisible({ timeout: 15_000 });
    await expect(page.getByTestId("gateway-groups")).toContainText(`live-${name}`);
    expect(await page.evaluate(() => (window as unknown as { __graylaneMarker?: number }).__graylaneMarker), "no reload: the table polled").toBe(42);
  } finally {
    await db.gateway.deleteMany({ where: { name } });
    await db.$disconnect();
  }
});
