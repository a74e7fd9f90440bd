"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { createService } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { serviceGroupsField } from "@/lib/validations/group";
import { createServiceSchema } from "@/lib/validations/node";
import { z } from "zod";

/** Creates a service with its first nodes on every gateway (audited as service.create). */
export const createServiceAction = defineAction("services.write", z.intersection(createServiceSchema, serviceGroupsField), async (input, ctx) => {
  const result = await createService(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
