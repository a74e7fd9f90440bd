"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { updateGateway } from "@/lib/gateways/registry";
import { updateGatewaySchema } from "@/lib/validations/gateway";

export const updateGatewayAction = defineAction("gateways.write", updateGatewaySchema, async (input, ctx) => {
  const gateway = await updateGateway(actorFrom(ctx), input);
  revalidatePath("/gateways");
  return { id: gateway.id, name: gateway.name };
});
