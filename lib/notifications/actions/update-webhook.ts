"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { updateWebhookSchema } from "../schema";
import { updateWebhook } from "../webhooks";

export const updateWebhookAction = defineAction("webhooks.write", updateWebhookSchema, async (input, ctx) => {
  const w = await updateWebhook(db, actorFrom(ctx), input);
  revalidatePath("/settings/notifications");
  return { id: w.id, name: w.name };
});
