"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { createService } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { createServiceSchema } from "@/lib/validations/node";

/** Creates a service with its first nodes on every gateway (audited as service.create). */
export const createServiceAction = defineAction("services.write", createServiceSchema, async (input, ctx) => {
  const result = await createService(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
