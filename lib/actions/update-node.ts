"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { updateNode } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { updateNodeSchema } from "@/lib/validations/node";

/** Changes a node's weight or backup flag (audited as node.weight / node.backup). */
export const updateNodeAction = defineAction("nodes.write", updateNodeSchema, async (input, ctx) => {
  const result = await updateNode(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
