// Four eyes in two browsers: an ADMIN puts the service's promotion behind an approval; an
// OPERATOR's promotion then waits; the ADMIN (another person) sees the request with the plan
// and the live comparison, approves with a comment, and both pages follow by themselves.
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { seedService, startReleaseInUi } from "./fixtures/seed";

test("an OPERATOR's promotion waits for an ADMIN's approval; both pages follow", async ({ browser }) => {
  const service = uniqueName("appr");
  const [, b, gray] = env.backends;
  await seedService(service, [b, gray]);
  const requester = await browser.newContext({ baseURL: env.baseURL });
  const approver = await browser.newContext({ baseURL: env.baseURL });
  const db = createDbClient(env.databaseUrl);
  try {
    const admin = await approver.newPage();
    await login(admin, "ADMIN");
    await admin.getByRole("link", { name: "Approvals" }).click();
    const row = admin.getByTestId(`policy-row-${service}`);
    await row.getByRole("checkbox", { name: "Promotion needs approval" }).check();
    await row.getByRole("spinbutton").fill("150");
    await row.getByRole("button", { name: "Save" }).click();
    await expect(row.getByTestId("field-error")).toContainText("0 to 99");
    await row.getByRole("spinbutton").fill("");
    await row.getByRole("button", { name: "Save" }).click();
    await expect(admin.getByTestId("toast-success").last()).toContainText(`Approval policy of ${service} saved.`);

    const op = await requester.newPage();
    await login(op, "OPERATOR");
    const url = await startReleaseInUi(op, service, gray, "v2-approval", "10, 50");
    await op.getByRole("button", { name: "Promote" }).click();
    await op.getByRole("dialog").getByRole("button", { name: "Promote" }).click();
    await expect(op.getByTestId("toast-error").last()).toContainText("This needs an approval first");
    const panel = op.getByTestId("approval-panel");
    await expect(panel).toHaveAttribute("data-status", "PENDING");
    await expect(panel.getByTestId("approval-request")).toContainText(`${env.users.OPERATOR.email} asked to promote the release`);
    await expect(panel.getByTestId("approval-own")).toBeVisible();
    await expect(panel.getByRole("button", { name: "Approve" })).toHaveCount(0);
    await expect(op.getByTestId("release-status")).toHaveText("Open");

    await admin.goto(url);
    const adminPanel = admin.getByTestId("approval-panel");
    await expect(adminPanel.getByTestId("approval-plan")).toContainText("10% → 50%");
    await expect(adminPanel.getByTestId("approval-comparison")).toContainText("Gray");
    await expect(adminPanel.getByTestId("approval-comparison")).toContainText("Stable");
    await adminPanel.getByLabel("Comment (kept in the audit log)").fill("smoke tests green");
    await adminPanel.getByRole("button", { name: "Approve" }).click();
    await expect(admin.getByTestId("release-status")).toHaveText("Promoted");

    // The requester's page follows without a reload.
    await expect(op.getByTestId("release-status")).toHaveText("Promoted", { timeout: 15_000 });
    await expect(panel).toHaveAttribute("data-status", "USED");
    await expect(panel.getByTestId("approval-decision")).toContainText(env.users.ADMIN.email);
    await expect(panel.getByTestId("approval-decision")).toContainText("smoke tests green");
    const actions = op.getByTestId("timeline-entry");
    await expect(actions.filter({ hasText: "Approval requested" })).toHaveCount(1);
    await expect(actions.filter({ hasText: "Approved" })).toHaveCount(1);

    const ev = await db.auditEvent.findFirstOrThrow({ where: { action: "release.approve", serviceName: service } });
    expect(ev.actorEmail).toBe(env.users.ADMIN.email);
    expect(ev.reason).toBe("smoke tests green");
  } finally {
    await db.approvalPolicy.deleteMany({ where: { serviceName: service } });
    await db.$disconnect();
    await requester.close();
    await approver.close();
  }
});
