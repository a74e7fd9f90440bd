"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { createUser } from "@/lib/users";
import { createUserSchema } from "@/lib/validations/user";

/** The generated password (if any) is in the result once and nowhere else. */
export const createUserAction = defineAction("users.write", createUserSchema, async (input, ctx) => {
  const { user, generatedPassword } = await createUser(actorFrom(ctx), input);
  revalidatePath("/users");
  return { id: user.id, email: user.email, generatedPassword };
});
