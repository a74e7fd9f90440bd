import { z } from "zod";
import { ROLES } from "@/lib/rbac";

export const PASSWORD_MIN = 12;

const password = z.string().min(PASSWORD_MIN, { error: "passwordMin" }).max(256, { error: "passwordMax" });

export const createUserSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email({ error: "email" })),
  name: z.string().trim().max(100, { error: "nameTooLong" }),
  role: z.enum(ROLES, { error: "role" }),
  /** Empty: the portal generates one and shows it once. */
  password: z.union([z.literal(""), password]),
});
export type CreateUserInput = z.output<typeof createUserSchema>;

export const updateUserRoleSchema = z.object({ id: z.string().min(1), role: z.enum(ROLES, { error: "role" }) });
export const setUserDisabledSchema = z.object({ id: z.string().min(1), disabled: z.boolean() });
export const resetUserPasswordSchema = z.object({ id: z.string().min(1) });
