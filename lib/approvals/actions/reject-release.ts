"use server";

import { z } from "zod";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { rejectApproval } from "../decide";
import { decisionSchema } from "../schema";

export const rejectReleaseAction = defineAction("releases.approve", decisionSchema.extend({ releaseId: z.string().min(1).max(64) }), async ({ releaseId, ...input }, ctx) => {
  const r = await rejectApproval(db, actorFrom(ctx), releaseId, input);
  revalidateRelease(r.service, releaseId);
  return r;
});
