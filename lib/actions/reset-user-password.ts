"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { resetUserPassword } from "@/lib/users";
import { resetUserPasswordSchema } from "@/lib/validations/user";

export const resetUserPasswordAction = defineAction("users.write", resetUserPasswordSchema, async ({ id }, ctx) => {
  const result = await resetUserPassword(actorFrom(ctx), id);
  revalidatePath("/users");
  return result;
});
