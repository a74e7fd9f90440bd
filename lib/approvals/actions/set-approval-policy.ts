"use server";

import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { setApprovalPolicy } from "../policy";
import { approvalPolicySchema } from "../schema";

export const setApprovalPolicyAction = defineAction("approvals.configure", approvalPolicySchema, async (input, ctx) => {
  const p = await setApprovalPolicy(db, actorFrom(ctx), input);
  revalidatePath("/settings/approvals");
  return p;
});
