"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { pauseRelease } from "@/lib/releases/pause";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { pauseReleaseSchema } from "@/lib/validations/release";

/** Pause a release's scheduled plan (role checked here, on the server; audited). */
export const pauseReleaseAction = defineAction("releases.write", pauseReleaseSchema, async (input, ctx) => {
  const result = await pauseRelease(db, actorFrom(ctx), input);
  revalidateRelease(result.service, result.releaseId);
  return result;
});
