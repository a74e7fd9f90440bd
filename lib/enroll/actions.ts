"use server";
// The Gateways page's enrollment-token actions (issue 15): ADMIN only (gateways.write), through
// the one action chain (session → permission → zod → work), audited by lib/enroll/tokens.ts.
import { revalidatePath } from "next/cache";
import { actorFrom } from "@/lib/actions/actor";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { createEnrollTokenSchema, enrollTokenIdSchema } from "./schema";
import { createEnrollToken, revokeEnrollToken } from "./tokens";

/** The plaintext token is in this result once; afterwards only its prefix is shown. */
export const createEnrollTokenAction = defineAction("gateways.write", createEnrollTokenSchema, async ({ name, expiresInDays }, ctx) => {
  const expiresAt = expiresInDays > 0 ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
  const { token, enrollToken } = await createEnrollToken(db, actorFrom(ctx), { name, expiresAt });
  revalidatePath("/gateways");
  return { token, name: enrollToken.name, prefix: enrollToken.prefix };
});

export const revokeEnrollTokenAction = defineAction("gateways.write", enrollTokenIdSchema, async ({ id }, ctx) => {
  const token = await revokeEnrollToken(db, actorFrom(ctx), id);
  revalidatePath("/gateways");
  return { name: token.name };
});
