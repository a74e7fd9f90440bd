"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { updateUserRole } from "@/lib/users";
import { updateUserRoleSchema } from "@/lib/validations/user";

export const updateUserRoleAction = defineAction("users.write", updateUserRoleSchema, async ({ id, role }, ctx) => {
  const user = await updateUserRole(actorFrom(ctx), id, role);
  revalidatePath("/users");
  return { email: user.email, role: user.role };
});
