// The one permission table of the portal. Every server action and route handler
// checks a permission from here first; the UI only hides what the server refuses.

export const ROLES = ["ADMIN", "OPERATOR", "MANAGER"] as const;
export type Role = (typeof ROLES)[number];

const EVERYONE: readonly Role[] = ROLES;
const OPERATORS: readonly Role[] = ["ADMIN", "OPERATOR"];
const ADMINS: readonly Role[] = ["ADMIN"];

export const PERMISSIONS = {
  "services.read": EVERYONE,
  "services.write": OPERATORS, // create/adopt/delete services, algorithm, gray rule
  "nodes.write": OPERATORS, // add/remove/drain/down/gray/active/weight
  "releases.read": EVERYONE,
  "releases.write": OPERATORS, // start/step/promote/rollback
  // Approve/reject a step or promotion someone else asked for (lib/approvals); a MANAGER only
  // where the service's approval policy says so (checked per service on the server).
  "releases.approve": ["ADMIN", "MANAGER"],
  "approvals.configure": ADMINS, // the per-service approval policy
  "audit.read": EVERYONE,
  "audit.verify": ["ADMIN", "MANAGER"],
  "gateways.read": EVERYONE,
  "gateways.write": ADMINS, // add/edit/remove gateways, sync now
  "users.read": ADMINS,
  "users.write": ADMINS,
  "webhooks.read": ADMINS, // notification webhooks and their delivery log
  "webhooks.write": ADMINS, // add/edit/remove webhooks, rotate the secret, send test
  "profile.write": EVERYONE, // own language / time zone / API tokens
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role | null | undefined, permission: Permission): boolean {
  if (!role) return false;
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
