"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { deleteService } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { deleteServiceSchema } from "@/lib/validations/service";

/** Deletes a service from the database and every gateway (audited as service.delete). */
export const deleteServiceAction = defineAction("services.write", deleteServiceSchema, async (input, ctx) => {
  const result = await deleteService(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
