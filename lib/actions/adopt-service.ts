"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { adoptService } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { adoptServiceSchema } from "@/lib/validations/service";

/** Imports a service found on a gateway but not in the database (audited as service.adopt). */
export const adoptServiceAction = defineAction("services.write", adoptServiceSchema, async (input, ctx) => {
  const result = await adoptService(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
