"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { updateGateway } from "@/lib/gateways/registry";
import { updateGatewaySchema } from "@/lib/validations/gateway";
import { gatewayGroupEditField } from "@/lib/validations/group";
import { db } from "@/lib/db";
import { retireOtherGroups } from "@/lib/fleet/retire";
import { z } from "zod";

export const updateGatewayAction = defineAction("gateways.write", z.intersection(updateGatewaySchema, gatewayGroupEditField), async (input, ctx) => {
  const gateway = await updateGateway(actorFrom(ctx), input);
  if (input.group) await retireOtherGroups(db, actorFrom(ctx), gateway.id);
  revalidatePath("/gateways");
  return { id: gateway.id, name: gateway.name };
});
