"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { updateService } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { updateServiceSchema } from "@/lib/validations/service";

/** Changes the algorithm and the gray rule (audited as service.update). */
export const updateServiceAction = defineAction("services.write", updateServiceSchema, async (input, ctx) => {
  const result = await updateService(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
