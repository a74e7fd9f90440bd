"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { rollbackRelease } from "@/lib/releases/mutations";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { rollbackReleaseSchema } from "@/lib/validations/release";

/** Roll back: targets down, pool and gray rule as before the release. */
export const rollbackReleaseAction = defineAction("releases.write", rollbackReleaseSchema, async (input, ctx) => {
  const result = await rollbackRelease(db, actorFrom(ctx), input);
  revalidateRelease(result.service, result.releaseId);
  return result;
});
