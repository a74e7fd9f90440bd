import type { Permission } from "@/lib/rbac";

/**
 * Pages a role may not open, by path prefix. The portal layout checks them (requirePageAccess in
 * lib/auth.ts) because it renders before the pages' loading boundary: the answer is then an HTTP
 * 403, not a 200 that streams the forbidden page. Each page still calls requirePermission itself
 * (a client-side navigation does not re-render the layout); page-permissions.test.ts keeps this
 * table and the pages in step.
 */
export const PAGE_PERMISSIONS: readonly { prefix: string; permission: Permission }[] = [
  { prefix: "/users", permission: "users.read" },
  { prefix: "/services/new", permission: "services.write" },
  { prefix: "/releases/new", permission: "releases.write" },
  { prefix: "/settings/notifications", permission: "webhooks.read" },
  { prefix: "/settings/approvals", permission: "approvals.configure" },
];

export function pagePermission(pathname: string): Permission | null {
  return PAGE_PERMISSIONS.find((p) => pathname === p.prefix || pathname.startsWith(`${p.prefix}/`))?.permission ?? null;
}
