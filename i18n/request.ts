import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { getSessionUser, type SessionUser } from "@/lib/auth";
import { loadMessages } from "@/lib/i18n/catalog";
import { LOCALE_COOKIE, resolveLocale, resolveTimeZone } from "@/lib/i18n/locales";

// No locale routing: the language comes from the user's saved preference, else the
// NEXT_LOCALE cookie, else Accept-Language, else English (lib/i18n/locales.ts).
export default getRequestConfig(async () => {
  let user: SessionUser | null = null;
  try {
    user = await getSessionUser();
  } catch {
    // Database unreachable: still render (the portal shows a banner) in the browser's language.
  }
  const [cookieStore, headerStore] = await Promise.all([cookies(), headers()]);
  const locale = resolveLocale({
    userLocale: user?.locale,
    cookieLocale: cookieStore.get(LOCALE_COOKIE)?.value,
    acceptLanguage: headerStore.get("accept-language"),
  });
  return {
    locale,
    timeZone: resolveTimeZone(user?.timeZone),
    messages: loadMessages(locale),
    onError(error) {
      // A missing key must not crash a page; the catalog parity test and the e2e raw-key check catch it.
      if (process.env.NODE_ENV !== "production") console.error(error.message);
    },
    getMessageFallback({ namespace, key }) {
      return [namespace, key].filter(Boolean).join(".");
    },
  };
});
