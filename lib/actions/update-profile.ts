"use server";

import { cookies } from "next/headers";
import { revalidatePath } from "next/cache";
import { defineAction } from "@/lib/actions/safe-action";
import { db } from "@/lib/db";
import { LOCALE_COOKIE } from "@/lib/i18n/locales";
import { updateProfileSchema } from "@/lib/validations/settings";

/** Own name, language and time zone. Empty language / time zone: follow the browser / UTC. */
export const updateProfileAction = defineAction("profile.write", updateProfileSchema, async (input, { user }) => {
  await db.user.update({
    where: { id: user.id },
    data: { name: input.name, locale: input.locale || null, timeZone: input.timeZone || null },
  });
  const jar = await cookies();
  if (input.locale) jar.set(LOCALE_COOKIE, input.locale, { path: "/", maxAge: 365 * 24 * 3600, sameSite: "lax", httpOnly: true });
  else jar.delete(LOCALE_COOKIE);
  revalidatePath("/", "layout");
  return { saved: true };
});
