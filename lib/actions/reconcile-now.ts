"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { reconcileOnce } from "@/lib/reconcile/reconcile";

/** Reconciles every gateway now (what the background loop does); repairs audited as service.sync by the caller. */
export const reconcileNowAction = defineAction("gateways.write", z.object({}).strict(), async (_input, ctx) => {
  const report = await reconcileOnce(db, actorFrom(ctx));
  revalidatePath("/gateways");
  revalidatePath("/services", "layout");
  return {
    durationMs: report.durationMs,
    repairs: report.repairs,
    failures: report.failures,
    gateways: report.gateways.map((g) => ({
      gatewayName: g.gatewayName,
      error: g.error,
      repaired: g.repaired.map((r) => ({ service: r.service, ok: r.ok, code: r.code })),
    })),
  };
});
