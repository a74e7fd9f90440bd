// Click-to-gateway for `npm run bench:portal`: a real Chromium clicks a node action on
// the service page, and this process polls every gateway's admin API until all of them
// report the new state.
//
// Clocks: the click time is the browser's own event timestamp (performance.timeOrigin +
// event.timeStamp), the gateway times are this process's performance clock; the offset
// between the two is measured once with the round trip of a page.evaluate (min-RTT sample).
import http from "node:http";
import { chromium, type Browser, type Page, type Request } from "@playwright/test";
import playwrightConfig from "../playwright.config";

export type GatewayPoll = { name: string; adminUrl: string; token: string };

export type ClickSample = {
  to: "draining" | "active";
  /** click → every gateway reports the new state (ms). */
  allGateways: number;
  /** click → the first gateway reports it. */
  firstGateway: number;
  /** click → the server action request leaves the browser. */
  clientToRequest: number | null;
  /** server action: request start → response headers (the action ran, the re-render starts). */
  actionHeaders: number | null;
  /** server action round trip: request start → response end (includes the re-rendered page). */
  action: number | null;
  /** action request start → every gateway has it: the server's part of click-to-gateway. */
  requestToGateways: number | null;
};


const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

declare global {
  interface Window {
    __benchClick?: number | null;
  }
}

/** Resolves with the time a GET /v1/upstreams/{service} first shows `addr` in `state`. */
function pollUntil(gw: GatewayPoll, agent: http.Agent, service: string, addr: string, state: string, opts: { intervalMs: number; timeoutMs: number; stop: { done: boolean } }): Promise<number> {
  const url = new URL(`${gw.adminUrl}/v1/upstreams/${encodeURIComponent(service)}`);
  const get = () =>
    new Promise<{ at: number; body: string }>((resolve, reject) => {
      const req = http.get(url, { agent, headers: { authorization: `Bearer ${gw.token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ at: now(), body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("error", reject);
    });
  return (async () => {
    const deadline = now() + opts.timeoutMs;
    while (!opts.stop.done) {
      const started = now();
      const { at, body } = await get();
      const node = (JSON.parse(body) as { nodes?: { addr: string; state: string }[] }).nodes?.find((n) => n.addr === addr);
      if (node?.state === state) return at;
      if (at > deadline) throw new Error(`${gw.name}: ${service} ${addr} not ${state} after ${opts.timeoutMs} ms (is ${node?.state ?? "missing"})`);
      await sleep(Math.max(0, opts.intervalMs - (now() - started)));
    }
    throw new Error("stopped");
  })();
}

/** browser clock − this process's clock, from the page.evaluate with the shortest round trip. */
async function clockOffset(page: Page): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 15; i++) {
    const t0 = now();
    const browser = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: browser - (t0 + t1) / 2 };
  }
  return best.offset;
}

export async function measureClicks(opts: {
  portalUrl: string;
  email: string;
  password: string;
  service: string;
  addr: string;
  gateways: readonly GatewayPoll[];
  clicks: number;
  warmup: number;
  pollIntervalMs: number;
  log: (line: string) => void;
}): Promise<{ samples: ClickSample[]; clockNote: string }> {
  let browser: Browser | undefined;
  const agents = opts.gateways.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  try {
    // Launched like the e2e suite's browser (Debian's Chromium, same flags).
    browser = await chromium.launch(playwrightConfig.use?.launchOptions);
    const context = await browser.newContext({ baseURL: opts.portalUrl, locale: "en-US" });
    await context.addInitScript(() => {
      // Capture phase, so the time is taken before React's handler runs.
      document.addEventListener("click", (e) => {
        if ((e.target as Element | null)?.closest?.("dialog")) window.__benchClick = performance.timeOrigin + e.timeStamp;
      }, true);
    });
    const page = await context.newPage();
    // Every server action request of the page (a POST with a Next-Action header), in order.
    const actions: { req: Request; settled: "finished" | "failed" | null }[] = [];
    const isAction = (r: Request) => r.method() === "POST" && Boolean(r.headers()["next-action"]);
    page.on("request", (r) => {
      if (isAction(r)) actions.push({ req: r, settled: null });
    });
    const settle = (how: "finished" | "failed") => (r: Request) => {
      const a = actions.find((x) => x.req === r);
      if (a) a.settled = how;
    };
    page.on("requestfinished", settle("finished"));
    page.on("requestfailed", settle("failed"));

    // Sign in through the login form, like a person.
    await page.goto("/login");
    await page.locator('input[name="email"]').fill(opts.email);
    await page.locator('input[name="password"]').fill(opts.password);
    await page.locator('form button[type="submit"]').click();
    await page.waitForURL((url) => !url.pathname.startsWith("/login"), { timeout: 30_000 });
    await page.goto(`/services/${encodeURIComponent(opts.service)}`);
    const row = page.getByTestId(`node-${opts.addr}`);
    await row.waitFor({ timeout: 30_000 });
    const offset = await clockOffset(page);

    const samples: ClickSample[] = [];
    const total = opts.warmup + opts.clicks;
    for (let i = 0; i < total; i++) {
      const to = i % 2 === 0 ? "draining" : "active";
      const label = to === "draining" ? "Drain" : "Return to active";
      await row.getByRole("button", { name: label, exact: true }).click({ timeout: 30_000 });
      const confirm = page.getByRole("dialog").getByRole("button", { name: "Confirm", exact: true });
      await confirm.waitFor();
      await page.evaluate(() => (window.__benchClick = null));

      const stop = { done: false };
      const polls = opts.gateways.map((gw, k) =>
        pollUntil(gw, agents[k], opts.service, opts.addr, to, { intervalMs: opts.pollIntervalMs, timeoutMs: 10_000, stop }),
      );
      const before = actions.length;
      let seen: number[];
      try {
        await confirm.click();
        seen = await Promise.all(polls);
      } finally {
        stop.done = true;
        await Promise.allSettled(polls);
      }
      // The dialog closes once the action settled; the next button shows when the page re-rendered.
      await page.getByRole("dialog").waitFor({ state: "hidden", timeout: 15_000 });
      await row.getByRole("button", { name: to === "draining" ? "Return to active" : "Drain", exact: true }).waitFor({ timeout: 15_000 });

      const clickBrowser = await page.evaluate(() => window.__benchClick ?? null);
      if (clickBrowser === null) throw new Error("the click on Confirm was not seen by the page");
      const click = clickBrowser - offset; // in this process's clock
      // Chromium reports these fetches as net::ERR_ABORTED once Next.js stops reading the
      // streamed RSC body, but their timing is complete: take any settled one.
      const mine = actions.slice(before);
      for (let w = 0; w < 100 && mine.some((a) => a.settled === null); w++) await sleep(20);
      if (mine.length !== 1) opts.log(`click ${i}: ${mine.length} server action requests, expected 1`);
      const timing = mine.length === 1 && mine[0].settled !== null ? mine[0].req.timing() : null;
      const at = (rel: number | undefined) => (timing && rel !== undefined && rel >= 0 ? timing.startTime + rel - offset : null);
      const reqStart = at(Math.max(0, timing?.requestStart ?? 0));
      const resStart = at(timing?.responseStart);
      const resEnd = at(timing?.responseEnd);
      const sample: ClickSample = {
        to,
        allGateways: Math.max(...seen) - click,
        firstGateway: Math.min(...seen) - click,
        clientToRequest: reqStart === null ? null : reqStart - click,
        actionHeaders: reqStart === null || resStart === null ? null : resStart - reqStart,
        action: reqStart === null || resEnd === null ? null : resEnd - reqStart,
        requestToGateways: reqStart === null ? null : Math.max(...seen) - reqStart,
      };
      const tag = i < opts.warmup ? "warm-up" : `${i - opts.warmup + 1}/${opts.clicks}`;
      opts.log(
        `click ${tag.padStart(7)} → ${to.padEnd(8)} all gateways ${sample.allGateways.toFixed(1).padStart(6)} ms` +
          (sample.action !== null ? `, action ${sample.action.toFixed(1)} ms` : ""),
      );
      if (i >= opts.warmup) samples.push(sample);
    }
    return { samples, clockNote: `browser clock − bench clock: ${offset.toFixed(2)} ms (from the fastest of 15 page.evaluate round trips)` };
  } finally {
    for (const a of agents) a.destroy();
    await browser?.close();
  }
}
