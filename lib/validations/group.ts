import { z } from "zod";

// Fleet groups (issue 15): a gateway belongs to one group, a service is deployed to one or
// more. Messages are keys of errors.validation (translated in safe-action).

export const DEFAULT_GROUP = "default";
export const GROUP_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const MAX_SERVICE_GROUPS = 32;

/** One group name: lowercase letters, digits, ".", "_", "-"; empty means `default`. */
export const groupSchema = z
  .string()
  .trim()
  .transform((v) => (v === "" ? DEFAULT_GROUP : v.toLowerCase()))
  .refine((v) => GROUP_NAME_RE.test(v), { error: "groupName" });

/**
 * The groups of a service: a list, or a comma/space separated string (a form field); at
 * least one, duplicates dropped, sorted.
 */
export const serviceGroupsSchema = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (typeof v === "string" ? v.split(/[\s,]+/) : v).map((g) => g.trim().toLowerCase()).filter((g) => g !== ""))
  .refine((v) => v.every((g) => GROUP_NAME_RE.test(g)), { error: "groupName" })
  .refine((v) => v.length <= MAX_SERVICE_GROUPS, { error: "groupsTooMany" })
  .transform((v) => (v.length ? [...new Set(v)].sort() : [DEFAULT_GROUP]));

/** The group field of the gateway forms (create: default `default`; edit: absent keeps it). */
export const gatewayGroupField = z.object({ group: groupSchema.default(DEFAULT_GROUP) });
export const gatewayGroupEditField = z.object({ group: groupSchema.optional() });
/** The groups field of the service forms (absent: `default` on create, unchanged on edit). */
export const serviceGroupsField = z.object({ groups: serviceGroupsSchema.optional() });
