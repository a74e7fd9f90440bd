"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { syncGatewayNow } from "@/lib/reconcile/sync";
import { gatewayIdSchema } from "@/lib/validations/gateway";

/** Pushes every service that differs on this gateway (one service.sync event for the pushes seen to land, and those that failed). */
export const syncGatewayAction = defineAction("gateways.write", gatewayIdSchema, async ({ id }, ctx) => {
  const report = await syncGatewayNow(db, actorFrom(ctx), id);
  revalidatePath("/gateways");
  revalidatePath("/services");
  return {
    gatewayName: report.gatewayName,
    error: report.error,
    services: report.services.map((s) => ({
      service: s.service,
      drift: s.drift,
      ok: s.outcome ? s.outcome.ok : true,
      code: s.outcome?.code ?? null,
      message: s.outcome?.message ?? "",
    })),
  };
});
