"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { deleteGateway } from "@/lib/gateways/registry";
import { gatewayIdSchema } from "@/lib/validations/gateway";

export const deleteGatewayAction = defineAction("gateways.write", gatewayIdSchema, async ({ id }, ctx) => {
  const result = await deleteGateway(actorFrom(ctx), id);
  revalidatePath("/gateways");
  return result;
});
