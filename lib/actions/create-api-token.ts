"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { createApiToken } from "@/lib/api-tokens";
import { createApiTokenSchema } from "@/lib/validations/settings";

/** The plaintext token is in this result once; afterwards only its prefix is shown. */
export const createApiTokenAction = defineAction("profile.write", createApiTokenSchema, async ({ name, expiresInDays }, ctx) => {
  const expiresAt = expiresInDays > 0 ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  const { token, apiToken } = await createApiToken(ctx.user.id, name, { expiresAt, actor: actorFrom(ctx) });
  revalidatePath("/settings");
  return { token, name: apiToken.name, prefix: apiToken.prefix };
});
