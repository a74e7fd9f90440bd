import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { PERMISSIONS, ROLES } from "@/lib/rbac";
import { PAGE_PERMISSIONS, pagePermission } from "./page-permissions";

const PORTAL = path.join(process.cwd(), "app", "(portal)");

function pages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? pages(path.join(dir, e.name)) : e.name === "page.tsx" ? [path.join(dir, e.name)] : [],
  );
}

describe("page permissions", () => {
  it("every page that some role may not open is in the layout's table, with the page's own permission", () => {
    for (const file of pages(PORTAL)) {
      const route = "/" + path.relative(PORTAL, path.dirname(file)).split(path.sep).join("/");
      const needed = readFileSync(file, "utf8").match(/requirePermission\("([a-z.]+)"\)/)?.[1] as keyof typeof PERMISSIONS | undefined;
      const everyone = !needed || ROLES.every((r) => (PERMISSIONS[needed] as readonly string[]).includes(r));
      assert.equal(pagePermission(route.replace(/\/$/, "") || "/"), everyone ? null : needed, route);
    }
  });

  it("matches whole path segments only", () => {
    assert.equal(pagePermission("/users"), "users.read");
    assert.equal(pagePermission("/users/x"), "users.read");
    assert.equal(pagePermission("/usersettings"), null);
    assert.ok(PAGE_PERMISSIONS.length > 0);
  });
});
