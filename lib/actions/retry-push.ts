"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { retryPush } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { retryPushSchema } from "@/lib/validations/service";

/** Pushes a service's desired state to every gateway again (audited as service.retry_push). */
export const retryPushAction = defineAction("nodes.write", retryPushSchema, async (input, ctx) => {
  const result = await retryPush(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
