"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { webhookIdSchema } from "../schema";
import { rotateWebhookSecret } from "../webhooks";

/** The new secret is in this result once. */
export const rotateWebhookSecretAction = defineAction("webhooks.write", webhookIdSchema, async ({ id }, ctx) => rotateWebhookSecret(db, actorFrom(ctx), id));
