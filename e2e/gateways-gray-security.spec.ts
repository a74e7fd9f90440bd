// Issue 12 items 7, 8 and 10 as a browser sees them: static gray matchers are an explicit
// opt-in with a warning (service form, release preview; en and zh-CN), gateway error details
// reach ADMIN only, a moved gateway needs its token again, and NUL bytes get a 400 that names
// the field instead of a 500 or a truncated export.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@playwright/test";
import { createDbClient } from "../lib/db";
import { type ActionCall, captureAction, replayAction } from "./fixtures/actions";
import { env, expect, login, openDialog, test, uniqueName } from "./fixtures/env";

test.describe("gray exposure", () => {
  test("a new service has no static matcher; opting in shows the warning (en and zh-CN)", async ({ page, browser }) => {
    await login(page, "OPERATOR");
    await page.goto("/services/new");
    const toggle = page.getByTestId("static-matchers-toggle");
    await expect(toggle).not.toBeChecked();
    await expect(page.getByLabel("Gray header name")).toHaveCount(0);
    await expect(page.getByTestId("static-matcher-warning")).toHaveCount(0);
    await toggle.check();
    await expect(page.getByTestId("static-matcher-warning")).toContainText("anyone who sends this header or cookie reaches gray");
    await expect(page.getByLabel("Gray header name")).toHaveValue("");

    const zh = await browser.newContext({ baseURL: env.baseURL, locale: "zh-CN", extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" } });
    try {
      const zp = await zh.newPage();
      await login(zp, "OPERATOR");
      await zp.goto("/services/new");
      await zp.getByTestId("static-matchers-toggle").check();
      await expect(zp.getByTestId("static-matcher-warning")).toContainText("任何发送此请求头或 Cookie 的人都会进入灰度");
    } finally {
      await zh.close();
    }
  });

  test.describe("release preview", () => {
    const service = uniqueName("static");
    const gray0 = { header: { name: "X-Gray", value: "1" }, cookie: null, cidrs: [], percent: 0, tester: null };

    test.beforeAll(async () => {
      // A service that opted in to a static header, stored and pushed as the portal does.
      const db = createDbClient(env.databaseUrl);
      try {
        const [a, b] = env.backends;
        await db.service.create({ data: { name: service, gray: gray0, revision: 1, nodes: { create: [a, b].map((addr) => ({ addr })) } } });
        const put = await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, {
          method: "PUT",
          headers: { authorization: `Bearer ${env.gateway.token}`, "content-type": "application/json" },
          body: JSON.stringify({ name: service, revision: 1, algorithm: "round_robin", gray: gray0, nodes: [a, b].map((addr) => ({ addr, weight: 1, state: "active", backup: false })) }),
        });
        expect(put.ok).toBe(true);
      } finally {
        await db.$disconnect();
      }
    });

    test.afterAll(async () => {
      const db = createDbClient(env.databaseUrl);
      await db.service.deleteMany({ where: { name: service } });
      await db.$disconnect();
      await fetch(`${env.gateway.adminUrl}/v1/upstreams/${service}`, { method: "DELETE", headers: { authorization: `Bearer ${env.gateway.token}` } });
    });

    test("a start leaves the static header off; keeping it shows the warning", async ({ page }) => {
      await login(page, "OPERATOR");
      await page.goto(`/releases/new?service=${service}`);
      await page.getByRole("checkbox", { name: env.backends[1] }).check();
      const after = page.getByTestId("preview-after");
      await expect(after.getByTestId("split-gray")).toHaveText(env.backends[1]);
      await expect(after).toContainText("browsers with the tester cookie");
      await expect(after).not.toContainText("X-Gray");
      await expect(after.getByTestId("static-matcher-warning")).toHaveCount(0);

      await page.getByTestId("keep-static-matchers").check();
      await expect(after.getByTestId("static-matcher-warning")).toContainText("anyone who sends the header X-Gray: 1 reaches gray");
      // "Now" has no gray node: nobody reaches gray there, so no warning.
      await expect(page.getByTestId("start-preview").getByTestId("static-matcher-warning")).toHaveCount(1);
    });
  });
});

test.describe("gateways", () => {
  const name = uniqueName("gw-html");
  let server: http.Server;
  let url = "";

  test.beforeAll(async () => {
    // Not a gateway: whatever lives at a wrong admin URL, answering with its own page.
    server = http.createServer((_req, res) => {
      res.statusCode = 404;
      res.end("internal-only page: db password hunter2");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const db = createDbClient(env.databaseUrl);
    try {
      const real = await db.gateway.findUniqueOrThrow({ where: { name: env.gateway.name } });
      await db.gateway.create({ data: { name, adminUrl: url, tokenEnc: real.tokenEnc } });
    } finally {
      await db.$disconnect();
    }
  });

  test.afterAll(async () => {
    const db = createDbClient(env.databaseUrl);
    await db.gateway.deleteMany({ where: { name } });
    await db.$disconnect();
    await new Promise((r) => server.close(r));
  });

  test("what answers at a gateway's URL reaches ADMIN only; others see the code", async ({ page, browser }) => {
    await login(page, "OPERATOR");
    await page.goto("/gateways");
    const row = page.getByTestId(`gateway-row-${name}`);
    await expect(row.getByTestId("gateway-status")).toContainText("Code: http_404");
    expect(await page.content()).not.toContain("hunter2");

    const admin = await browser.newContext({ baseURL: env.baseURL });
    try {
      const ap = await admin.newPage();
      await login(ap, "ADMIN");
      await ap.goto("/gateways");
      await expect(ap.getByTestId(`gateway-row-${name}`).getByTestId("gateway-status")).toContainText("hunter2");
    } finally {
      await admin.close();
    }
  });

  test("an admin URL with a path is refused, and a new URL needs the token again", async ({ page }) => {
    await login(page, "ADMIN");
    await page.goto("/gateways");
    await page.getByTestId(`gateway-row-${name}`).getByRole("button", { name: "Edit" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Admin API URL").fill(`${url}/v1/upstreams?x=1`);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByTestId("field-error")).toContainText("no path, query, fragment");
    await dialog.getByLabel("Admin API URL").fill(env.gateway.adminUrl);
    await dialog.getByRole("button", { name: "Save" }).click();
    await expect(dialog.getByTestId("field-error")).toContainText("Enter the admin token again");
    const db = createDbClient(env.databaseUrl);
    try {
      expect((await db.gateway.findUniqueOrThrow({ where: { name } })).adminUrl).toBe(url);
    } finally {
      await db.$disconnect();
    }
  });
});

test.describe("NUL bytes", () => {
  async function captureCreateGatewayCall(page: Page): Promise<ActionCall> {
    const dialog = await openDialog(page, "/gateways", "Add gateway");
    await dialog.getByLabel("Name").fill("bad name!");
    return captureAction(page, () => dialog.getByRole("button", { name: "Add gateway" }).click());
  }

  test("a server action answers invalid_input naming the field", async ({ page }) => {
    await login(page, "ADMIN");
    const call = await captureCreateGatewayCall(page);
    const gwName = uniqueName("nul");
    const text = await replayAction(page, "/gateways", call, { name: gwName, adminUrl: env.gateway.adminUrl, proxyUrl: "http://gw.example/\u0000", token: env.gateway.token });
    expect(text).toContain('"code":"invalid_input"');
    expect(text).toContain('"proxyUrl"');
  });

  test("the audit export answers 400 naming the filter instead of a cut download", async ({ page }) => {
    await login(page, "MANAGER");
    const res = await page.request.get("/api/audit/export?format=csv&service=shop%00x");
    expect(res.status()).toBe(400);
    // The one error shape of every route (openapi/graylane.yaml components.schemas.Error).
    expect((await res.json()).error).toMatchObject({ code: "invalid_input", field: "service", fields: { service: ["validation.nulByte"] } });
  });
});
