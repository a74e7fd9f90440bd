"use server";

import { z } from "zod";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { endAllSessions } from "@/lib/auth";

/** Ends every session of the signed-in user, on every device, this one included (audited). */
export const signOutEverywhereAction = defineAction("profile.write", z.object({}), async (_input, ctx) => {
  await endAllSessions(ctx.user.id, { actor: actorFrom(ctx) });
  return { signedOut: true };
});
