"use server";

import { cookies } from "next/headers";
import { revalidatePath } from "next/cache";
import { getSessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { LOCALE_COOKIE, type Locale } from "@/lib/i18n/locales";
import { defineAction, errorResult, type ActionResult } from "@/lib/actions/safe-action";
import { AppError, zodFieldErrors } from "@/lib/errors";
import { setLocaleSchema } from "@/lib/validations/settings";

const saveUserLocale = defineAction("profile.write", setLocaleSchema, async ({ locale }, { user }) => {
  await db.user.update({ where: { id: user.id }, data: { locale } });
  return { locale };
});

/**
 * Switches the language at once. Signed in: saved on the user (and in the cookie, so the
 * login page keeps it after sign-out). Anonymous (the login page): the cookie only.
 */
export async function setLocaleAction(input: { locale: string }): Promise<ActionResult<{ locale: Locale }>> {
  const parsed = setLocaleSchema.safeParse(input);
  if (!parsed.success) {
    return errorResult(new AppError("invalid_input", "bad locale", { fieldErrors: zodFieldErrors(parsed.error) }));
  }
  (await cookies()).set(LOCALE_COOKIE, parsed.data.locale, {
    path: "/",
    maxAge: 365 * 24 * 3600,
    sameSite: "lax",
    httpOnly: true,
  });
  const signedIn = await getSessionUser().catch(() => null);
  const result = signedIn ? await saveUserLocale(parsed.data) : { ok: true as const, data: { locale: parsed.data.locale } };
  revalidatePath("/", "layout");
  return result;
}
