// Issue 7: the operator's main flow — sign in, add a node, find it in the audit log —
// once in each language, with every label and message taken from that language's catalog.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createDbClient } from "../lib/db";
import { env, expect, login, test, uniqueName } from "./fixtures/env";
import { viaGateway } from "./fixtures/seed";

type Catalog = Record<string, Record<string, unknown>>;

function catalog(locale: string, namespace: string): Catalog {
  return JSON.parse(readFileSync(path.join(process.cwd(), "messages", locale, `${namespace}.json`), "utf8")) as Catalog;
}

function msg(cat: Catalog, key: string, params: Record<string, string> = {}): string {
  const value = key.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cat);
  if (typeof value !== "string") throw new Error(`no message ${key}`);
  return value.replace(/\{(\w+)\}/g, (_m, name: string) => params[name] ?? `{${name}}`);
}

for (const locale of ["en", "zh-CN"] as const) {
  test(`sign in, add a node, see it in the audit log — ${locale}`, async ({ browser }) => {
    const services = catalog(locale, "services");
    const audit = catalog(locale, "audit");
    const service = uniqueName(`i18n-${locale.toLowerCase()}`);
    const [first, second] = env.backends;

    // Seed a one-node service and the operator's saved language.
    const db = createDbClient(env.databaseUrl);
    try {
      await db.user.update({ where: { email: env.users.OPERATOR.email }, data: { locale } });
      await db.service.create({
        data: { name: service, gray: { cidrs: [], percent: 0 }, revision: 1, nodes: { create: [{ addr: first }] } },
      });
    } finally {
      await db.$disconnect();
    }

    const context = await browser.newContext({ baseURL: env.baseURL, extraHTTPHeaders: { "Accept-Language": "en-US,en;q=0.9" } });
    const page = await context.newPage();
    try {
      const operator = await login(page, "OPERATOR");
      await page.goto(`/services/${service}`);
      await expect(page.locator("html")).toHaveAttribute("lang", locale);

      const form = page.getByRole("form", { name: msg(services, "addNode.title") });
      await form.getByLabel(msg(services, "nodes.addr")).fill(second);
      await form.getByRole("button", { name: msg(services, "addNode.submit") }).click();
      await expect(page.getByTestId("toast-success").last()).toContainText(msg(services, "toast.added", { addr: second }));
      await expect(page.getByTestId(`node-${second}`)).toBeVisible();

      // The gateway serves the new node.
      const seen = new Set<string | null>();
      for (let i = 0; i < 8; i++) seen.add((await viaGateway(service)).addr);
      expect(seen).toEqual(new Set([first, second]));

      await page.goto(`/audit?service=${service}`);
      const row = page.getByTestId("audit-row").first();
      await expect(row).toHaveAttribute("data-action", "node.add");
      await expect(row).toContainText(operator.email);
      await expect(row).toContainText(msg(audit, "actions.node.add"));
    } finally {
      await context.close();
      const cleanup = createDbClient(env.databaseUrl);
      await cleanup.user.update({ where: { email: env.users.OPERATOR.email }, data: { locale: null } });
      await cleanup.$disconnect();
    }
  });
}
