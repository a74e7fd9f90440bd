// The release page follows the release: with the page open and never reloaded, traffic shows
// up in the graphs (release and service page), and when the gray node starts failing, the
// analyzer's automatic rollback appears by itself — state, banner with the reason, no more
// controls, the timeline entry. Also: node actions on a release target are refused with a
// reason on the service page, which links to the open release.
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { proxied, seedService, startReleaseInUi } from "./fixtures/seed";

/** Requests to the service (half with the gray header) until stop() — steady traffic for the sampler and the analyzer. */
function traffic(service: string): { stop: () => Promise<void> } {
  let running = true;
  const loop = async () => {
    for (let i = 0; running; i++) await proxied(service, i % 2 ? { "X-Gray": "1" } : {}).catch(() => 0);
  };
  const workers = [loop(), loop(), loop()];
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

const backend = (addr: string, what: string) => fetch(`http://${addr}/__ctl/${what}`).then((r) => r.text());

test.describe("live release page", () => {
  test.setTimeout(120_000);

  test("graphs fill, then an automatic rollback shows up without a reload; service page points to the release", async ({ page }) => {
    const service = uniqueName("live");
    const [stableA, stableB, gray] = env.backends;
    await seedService(service, [stableA, stableB, gray]);

    // A live page re-renders every 2 s: no hydration mismatch or other error may show in the console.
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await login(page, "OPERATOR");
    const releaseUrl = await startReleaseInUi(page, service, gray, "v9-live", "50");

    // The service page knows: banner with a link, no "Start a release", the target is refused.
    await page.goto(`/services/${encodeURIComponent(service)}`);
    const banner = page.getByTestId("open-release-banner");
    await expect(banner).toContainText("v9-live");
    await expect(page.getByRole("link", { name: "Start a release" })).toHaveCount(0);
    const row = page.getByTestId(`node-${gray}`);
    await expect(row).toContainText("release target");
    await row.getByRole("button", { name: "Return to active" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByText(`${gray} is a target of the open release v9-live of ${service}`)).toBeVisible();
    await expect(row).toContainText("Gray");
    await banner.getByRole("link", { name: "Open the release" }).click();
    await expect(page).toHaveURL(releaseUrl);

    await page.getByTestId("step-button").click();
    await expect(page.getByTestId("current-percent")).toHaveText("50%");
    // From here on the page is never reloaded: a marker on window proves it.
    await page.evaluate(() => ((window as unknown as { __graylaneMarker: number }).__graylaneMarker = 42));

    const load = traffic(service);
    try {
      // Healthy traffic first: the graphs get data (sampled every 2 s in e2e).
      await expect(page.getByTestId("release-charts")).not.toHaveAttribute("data-points", "0", { timeout: 30_000 });
      await expect(page.getByTestId("chart-5xx").locator(".recharts-line")).toHaveCount(3);
      await expect(page.getByTestId("chart-p95").locator(".recharts-reference-line")).toHaveCount(1);

      // The gray node fails: the analyzer rolls back and the open page follows.
      await backend(gray, "status?code=500");
      const bannerLive = page.getByTestId("auto-rollback-banner");
      await expect(bannerLive).toBeVisible({ timeout: 45_000 });
      await expect(bannerLive).toContainText("Rolled back automatically at");
      await expect(bannerLive).toContainText("gray's 5xx rate was");
    } finally {
      await load.stop();
      await backend(gray, "reset");
    }
    await expect(page.getByTestId("release-status")).toHaveText("Rolled back");
    await expect(page.getByTestId("current-percent")).toHaveText("—");
    await expect(page.getByTestId("release-controls")).toHaveCount(0);
    const last = page.getByTestId("timeline-entry").last();
    await expect(last).toHaveAttribute("data-action", "release.rollback");
    await expect(last).toContainText("Graylane (automatic)");
    expect(await page.evaluate(() => (window as unknown as { __graylaneMarker?: number }).__graylaneMarker)).toBe(42);
    // The refused node action answers 409 by design (a server action, not a console error); anything else is a bug.
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);

    // The service page graphs per node have data too.
    await page.goto(`/services/${encodeURIComponent(service)}`);
    await expect(page.getByTestId("open-release-banner")).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Start a release" })).toBeVisible();
    const graphs = page.getByTestId(`node-graph-${gray}`);
    await expect(graphs).not.toHaveAttribute("data-points", "0", { timeout: 20_000 });
    await expect(graphs.getByTestId("spark-rps").locator(".recharts-line")).toHaveCount(1);
    await expect(graphs.getByTestId("last-errorRate")).not.toHaveText("—");
  });
});
