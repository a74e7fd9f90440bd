"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { stepRelease } from "@/lib/releases/mutations";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { stepReleaseSchema } from "@/lib/validations/release";

/** A traffic step: the gray share goes to the next planned (or given) percentage. */
export const stepReleaseAction = defineAction("releases.write", stepReleaseSchema, async (input, ctx) => {
  const result = await stepRelease(db, actorFrom(ctx), input);
  revalidateRelease(result.service, result.releaseId);
  return result;
});
