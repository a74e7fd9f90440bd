"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { createGateway } from "@/lib/gateways/registry";
import { createGatewaySchema } from "@/lib/validations/gateway";
import { gatewayGroupField } from "@/lib/validations/group";
import { z } from "zod";

export const createGatewayAction = defineAction("gateways.write", z.intersection(createGatewaySchema, gatewayGroupField), async (input, ctx) => {
  const gateway = await createGateway(actorFrom(ctx), input);
  revalidatePath("/gateways");
  return { id: gateway.id, name: gateway.name };
});
