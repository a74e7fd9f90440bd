"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { createWebhookSchema } from "../schema";
import { createWebhook } from "../webhooks";

/** The signing secret is in this result once; it is never shown again. */
export const createWebhookAction = defineAction("webhooks.write", createWebhookSchema, async (input, ctx) => {
  const { webhook, secret } = await createWebhook(db, actorFrom(ctx), input);
  revalidatePath("/settings/notifications");
  return { id: webhook.id, name: webhook.name, secret };
});
