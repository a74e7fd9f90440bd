"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { removeNode } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { removeNodeSchema } from "@/lib/validations/node";

/** Removes a node (audited as node.remove); refused when it leaves no stable node unless forced. */
export const removeNodeAction = defineAction("nodes.write", removeNodeSchema, async (input, ctx) => {
  const result = await removeNode(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
