"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { revokeApiToken } from "@/lib/api-tokens";
import { revokeApiTokenSchema } from "@/lib/validations/settings";

export const revokeApiTokenAction = defineAction("profile.write", revokeApiTokenSchema, async ({ id }, ctx) => {
  const token = await revokeApiToken(ctx.user.id, id, actorFrom(ctx));
  revalidatePath("/settings");
  return { name: token.name };
});
