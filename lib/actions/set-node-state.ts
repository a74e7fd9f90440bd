"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { setNodeState } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { setNodeStateSchema } from "@/lib/validations/node";

/** Drain, take down, send to gray or return to active (audited as node.state). */
export const setNodeStateAction = defineAction("nodes.write", setNodeStateSchema, async (input, ctx) => {
  const result = await setNodeState(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
