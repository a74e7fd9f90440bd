// Audit history for managers (issue 5): filters, search, keyset pagination, CSV/JSON
// export downloads, "Verify integrity" (OK, then a row tampered behind the trigger's
// back), and the release history a MANAGER lands on. Each test seeds its own events
// under a unique service name.
import { readFileSync } from "node:fs";
import pg from "pg";
import { appendAuditEvent } from "../lib/audit/chain";
import { appendAuditOutcomes } from "../lib/audit/outcomes";
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";

test.describe("audit history", () => {
  const service = uniqueName("ah");
  const word = uniqueName("needle");
  let db: ReturnType<typeof createDbClient>;
  /** Seeded event ids, oldest first, with whether a gateway failed and whether the reason has `word`. */
  const seeded: { id: string; failed: boolean; marked: boolean }[] = [];

  test.beforeAll(async () => {
    db = createDbClient(env.databaseUrl);
    for (let i = 0; i < 60; i++) {
      const failed = i % 4 === 0;
      const marked = i % 3 === 0;
      const e = await db.$transaction((tx) =>
        appendAuditEvent(tx, {
          actorEmail: "e2e-seed@graylane.test",
          actorRole: "OPERATOR",
          clientIp: "198.51.100.7",
          userAgent: "e2e-seed",
          action: i % 2 ? "node.weight" : "node.state",
          targetType: "node",
          targetName: `127.0.0.1:${9000 + i}`,
          serviceName: service,
          reason: marked ? `checked by ${word} #${i}` : null,
          before: { weight: 1 },
          after: { weight: 2 },
        }),
      );
      await db.$transaction((tx) =>
        appendAuditOutcomes(tx, e.id, [
          { gatewayId: null, gatewayName: "gw-one", ok: true, status: 200, code: null, message: "", durationMs: 3 },
          { gatewayId: null, gatewayName: "gw-two", ok: !failed, status: failed ? 502 : 200, code: failed ? "gateway_error" : null, message: "", durationMs: 4 },
        ]),
      );
      seeded.push({ id: e.id.toString(), failed, marked });
    }
  });
  test.afterAll(async () => {
    await db.$disconnect();
  });

  test("filters, search and keyset pagination", async ({ page }) => {
    await login(page, "MANAGER");
    await page.goto(`/audit?service=${service}`);
    const rows = page.getByTestId("audit-row");
    await expect(rows).toHaveCount(50);
    const first = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    await page.getByTestId("audit-older").click();
    await expect(rows).toHaveCount(10);
    const second = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    expect([...first, ...second]).toEqual(seeded.map((s) => s.id).reverse());
    await expect(page.getByTestId("audit-older")).toHaveCount(0);
    await page.getByTestId("audit-newest").click();
    await expect(rows.first()).toHaveAttribute("data-id", seeded[59].id);

    // Through the form: a gateway failed + free text.
    const form = page.getByRole("form", { name: "Filters" });
    await form.getByLabel("Gateways").selectOption("failed");
    await form.getByLabel("Search").fill(word);
    await form.getByRole("button", { name: "Filter" }).click();
    const expected = seeded.filter((s) => s.failed && s.marked).map((s) => s.id).reverse();
    await expect(rows).toHaveCount(expected.length);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-id")))).toEqual(expected);
    await expect(page).toHaveURL(/outcome=failed/);

    // A time range that ends before the seeded events hides them all.
    await page.goto(`/audit?service=${service}&to=2001-01-01T00:00`);
    await expect(page.getByText("No events match these filters.")).toBeVisible();

    // Detail: IP, user agent, per-gateway outcomes, diff.
    await page.goto(`/audit?service=${service}&outcome=failed`);
    await rows.first().getByRole("link", { name: "Node state changed" }).click();
    await expect(page.getByTestId("audit-detail")).toContainText("198.51.100.7");
    await expect(page.getByTestId("audit-detail")).toContainText("e2e-seed");
    await expect(page.getByTestId("outcome-gw-two")).toHaveAttribute("data-ok", "false");
    await expect(page.getByTestId("audit-diff")).toContainText("weight");
  });

  test("CSV and JSON downloads carry the filtered events", async ({ page, request }) => {
    await login(page, "MANAGER");
    await page.goto(`/audit?service=${service}&q=${encodeURIComponent(word)}`);
    const marked = seeded.filter((s) => s.marked).map((s) => s.id).reverse();

    const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
    expect(csv.suggestedFilename()).toMatch(/^graylane-audit-.*\.csv$/);
    const lines = readFileSync((await csv.path())!, "utf8").replace(/^\uFEFF/, "").trim().split("\r\n");
    expect(lines[0].split(",").slice(0, 3)).toEqual(["id", "createdAt", "actorEmail"]);
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(marked);

    const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
    const events = JSON.parse(readFileSync((await json.path())!, "utf8")) as { id: string; reason: string; outcomes: unknown[] }[];
    expect(events.map((e) => e.id)).toEqual(marked);
    expect(events.every((e) => e.reason.includes(word) && e.outcomes.length === 2)).toBe(true);

    // The route needs a session (`request` shares no cookies with the page).
    const anonymous = await request.get(`/api/audit/export?format=csv`, { maxRedirects: 0 });
    expect([307, 401]).toContain(anonymous.status());
  });

  test("verify integrity: OK, then the tampered event with a link to it", async ({ page }) => {
    await login(page, "MANAGER");
    await page.goto("/audit");
    await page.getByTestId("verify-audit").click();
    const result = page.getByTestId("verify-result");
    await expect(result).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
    await expect(result).toContainText("hash chain intact");

    const victim = seeded[30];
    const sql = new pg.Client({ connectionString: env.databaseUrl });
    await sql.connect();
    const original = (await sql.query<{ reason: string | null }>(`SELECT "reason" FROM "AuditEvent" WHERE id = $1`, [victim.id])).rows[0].reason;
    const setReason = async (reason: string | null) => {
      await sql.query('ALTER TABLE "AuditEvent" DISABLE TRIGGER "AuditEvent_append_only"');
      try {
        await sql.query(`UPDATE "AuditEvent" SET "reason" = $2 WHERE id = $1`, [victim.id, reason]);
      } finally {
        await sql.query('ALTER TABLE "AuditEvent" ENABLE TRIGGER "AuditEvent_append_only"');
      }
    };
    try {
      await setReason("nothing to see here");
      await page.getByTestId("verify-audit").click();
      await expect(result).toHaveAttribute("data-ok", "false", { timeout: 30_000 });
      await expect(result).toHaveAttribute("data-broken-at", victim.id);
      await expect(result).toContainText("its content does not match its hash");
      await page.getByTestId("verify-broken-link").click();
      await expect(page).toHaveURL(new RegExp(`/audit/${victim.id}$`));
      await expect(page.getByTestId("audit-detail")).toContainText("nothing to see here");
    } finally {
      await setReason(original);
      await sql.end();
    }
    await page.goto("/audit");
    await page.getByTestId("verify-audit").click();
    await expect(result).toHaveAttribute("data-ok", "true", { timeout: 30_000 });
  });

  test("an OPERATOR has no verify button", async ({ page }) => {
    await login(page, "OPERATOR");
    await page.goto("/audit");
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    await expect(page.getByTestId("verify-audit")).toHaveCount(0);
  });
});
