"use server";

import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { renewTesterLink } from "@/lib/releases/mutations";
import { getTesterLinks } from "@/lib/releases/read";
import { revalidateRelease } from "@/lib/releases/revalidate";
import { renewTesterLinkSchema } from "@/lib/validations/release";

/** New tester link: new expiry and cookie name, pushed to every gateway; earlier tester cookies stop working. */
export const renewReleaseTesterLinkAction = defineAction("releases.write", renewTesterLinkSchema, async (input, ctx) => {
  const result = await renewTesterLink(db, actorFrom(ctx), input);
  revalidateRelease(result.service, result.releaseId);
  return { ...result, links: await getTesterLinks(db, result.releaseId) };
});
