"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { startRelease } from "@/lib/releases/mutations";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { startReleaseSchema } from "@/lib/validations/release";

/** Start a release: targets → gray, tester cookie on (audited as release.start). */
export const startReleaseAction = defineAction("releases.write", startReleaseSchema, async (input, ctx) => {
  const result = await startRelease(db, actorFrom(ctx), input);
  revalidateRelease(result.service, result.releaseId);
  return result;
});
