"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { webhookIdSchema } from "../schema";
import { sendTestWebhook } from "../webhooks";

export const sendTestWebhookAction = defineAction("webhooks.write", webhookIdSchema, async ({ id }, ctx) => sendTestWebhook(db, actorFrom(ctx), id));
