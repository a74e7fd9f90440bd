"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { promoteRelease } from "@/lib/releases/mutations";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { promoteReleaseSchema } from "@/lib/validations/release";

/** Promote: targets rejoin the stable pool, share 0, tester cookie off. */
export const promoteReleaseAction = defineAction("releases.write", promoteReleaseSchema, async (input, ctx) => {
  const result = await promoteRelease(db, actorFrom(ctx), input);
  revalidateRelease(result.service, result.releaseId);
  return result;
});
