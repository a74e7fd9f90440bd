"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { webhookIdSchema } from "../schema";
import { deleteWebhook } from "../webhooks";

export const deleteWebhookAction = defineAction("webhooks.write", webhookIdSchema, async ({ id }, ctx) => {
  const r = await deleteWebhook(db, actorFrom(ctx), id);
  revalidatePath("/settings/notifications");
  return r;
});
