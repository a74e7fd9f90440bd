"use server";

import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { testGateway } from "@/lib/gateways/registry";
import { gatewayIdSchema } from "@/lib/validations/gateway";

// Admin tooling: everyone sees each gateway's status on the page; the on-demand test sits
// with the other gateway controls.
export const testGatewayAction = defineAction("gateways.write", gatewayIdSchema, async ({ id }) => {
  const probe = await testGateway(id);
  revalidatePath("/gateways");
  return probe;
});
