"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { setUserDisabled } from "@/lib/users";
import { setUserDisabledSchema } from "@/lib/validations/user";

/** Disable or enable; a disabled user's sessions and API tokens stop working at once. */
export const setUserDisabledAction = defineAction("users.write", setUserDisabledSchema, async ({ id, disabled }, ctx) => {
  const user = await setUserDisabled(actorFrom(ctx), id, disabled);
  revalidatePath("/users");
  return { email: user.email, disabled: user.disabled };
});
