"use server";
// Service groups from the service page (issue 15): services.write, through the one action chain,
// audited as service.groups by setServiceGroups.
import { z } from "zod";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { revalidateService } from "@/lib/services/revalidate";
import { serviceGroupsSchema } from "@/lib/validations/group";
import { serviceNameSchema } from "@/lib/validations/service";
import { setServiceGroups } from "./service-groups";

export const setServiceGroupsAction = defineAction("services.write", z.object({ service: serviceNameSchema, groups: serviceGroupsSchema }), async (input, ctx) => {
  const result = await setServiceGroups(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
