// Scheduled plans in the browser (issue 16): the start form takes a plan (a bad one is refused
// next to the field, nothing starts); the release page shows each step's dwell, the next
// transition time in the user's zone once a timed step runs, and pause/resume, each on the
// timeline, without a reload.
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { seedService } from "./fixtures/seed";

test("start a release with a plan; next transition time; pause and resume", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const service = uniqueName("plan");
  const [a, b, c] = env.backends;
  await seedService(service, [a, b, c]);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await login(page, "OPERATOR");

  await page.goto(`/releases/new?service=${encodeURIComponent(service)}`);
  await page.getByLabel("Service", { exact: true }).selectOption(service);
  await page.getByRole("checkbox", { name: c }).check();
  await page.getByLabel("Version label").fill("v-plan");
  const plan = page.getByLabel("Scheduled plan (optional)");
  await plan.fill("50:soon, 80:manual");
  await page.getByRole("button", { name: "Start release" }).click();
  await expect(page.getByText('Dwell: minutes (0–10080), "approval" or "manual".')).toBeVisible();
  await expect(page).toHaveURL(/\/releases\/new/);

  await plan.fill("50:30, 80:manual");
  await page.getByRole("button", { name: "Start release" }).click();
  await page.waitForURL(/\/releases\/r[0-9a-z]+$/);

  const timeline = page.getByTestId("plan-timeline");
  await expect(timeline.getByTestId("plan-steps-dwell")).toContainText("50% · 30 min");
  await expect(timeline.getByTestId("plan-steps-dwell")).toContainText("80% · manual");
  await expect(timeline.getByTestId("plan-next")).toHaveAttribute("data-kind", "first");

  await page.getByTestId("step-button").click();
  await expect(page.getByTestId("current-percent")).toHaveText("50%");
  // The next transition: 30 min after the step, in the user's zone (UTC: none chosen), named.
  const next = timeline.getByTestId("plan-next");
  await expect(next).toHaveAttribute("data-kind", "timed");
  await expect(next).toContainText(/80% at .+ UTC/);

  await timeline.getByTestId("plan-pause").click();
  await expect(next).toHaveAttribute("data-kind", "paused");
  await expect(timeline.getByTestId("plan-paused")).toContainText("Paused by");
  await expect(page.getByTestId("timeline-entry").filter({ hasText: "Paused" })).toHaveCount(1);

  await timeline.getByTestId("plan-resume").click();
  await expect(next).toHaveAttribute("data-kind", "timed");
  await expect(page.getByTestId("timeline-entry").filter({ hasText: "Resumed" })).toHaveCount(1);

  // A MANAGER sees the plan and its next transition, but no pause/resume (the action checks the role on the server too).
  const mctx = await browser.newContext({ baseURL: env.baseURL });
  const mpage = await mctx.newPage();
  await login(mpage, "MANAGER");
  await mpage.goto(page.url());
  await expect(mpage.getByTestId("plan-next")).toHaveAttribute("data-kind", "timed");
  await expect(mpage.getByTestId("plan-pause")).toHaveCount(0);
  await mctx.close();

  await page.getByRole("button", { name: "Roll back", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
  await expect(page.getByTestId("release-status")).toHaveText("Rolled back");
  await expect(timeline.getByTestId("plan-pause")).toHaveCount(0);
  expect(errors).toEqual([]);
});
