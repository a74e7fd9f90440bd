"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { addNode } from "@/lib/services/mutations";
import { revalidateService } from "@/lib/services/revalidate";
import { addNodeSchema } from "@/lib/validations/node";

/** Adds a node to a service and pushes the service to every gateway (audited as node.add). */
export const addNodeAction = defineAction("nodes.write", addNodeSchema, async (input, ctx) => {
  const result = await addNode(db, actorFrom(ctx), input);
  revalidateService(result.service);
  return result;
});
