// Supported portal languages and how a request's language is chosen.
// Pure functions (no Next.js imports) so unit tests and the proxy can use them.

export const LOCALES = ["en", "zh-CN"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "en";
export const LOCALE_COOKIE = "NEXT_LOCALE";
export const DEFAULT_TIME_ZONE = "UTC";

/** Native names, shown in the language switch whatever the current language. */
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", "zh-CN": "中文" };

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** Maps a language tag to a supported locale: en-* → en, zh / zh-* → zh-CN. */
export function matchLocale(tag: string): Locale | null {
  const t = tag.trim().toLowerCase();
  if (!t) return null;
  if (t === "en" || t.startsWith("en-")) return "en";
  if (t === "zh" || t.startsWith("zh-")) return "zh-CN";
  return null;
}

/** Picks the best supported locale from an Accept-Language header, honouring q-values. */
export function negotiateAcceptLanguage(header: string | null | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(",")
    .map((part, index) => {
      const [tag, ...params] = part.split(";");
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const q = qParam ? Number(qParam.slice(2)) : 1;
      return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, index };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const r of ranked) {
    const m = matchLocale(r.tag);
    if (m) return m;
  }
  return null;
}

/** Saved preference, else the anonymous cookie choice, else Accept-Language, else English. */
export function resolveLocale(input: {
  userLocale?: string | null;
  cookieLocale?: string | null;
  acceptLanguage?: string | null;
}): Locale {
  if (isLocale(input.userLocale)) return input.userLocale;
  if (isLocale(input.cookieLocale)) return input.cookieLocale;
  return negotiateAcceptLanguage(input.acceptLanguage) ?? DEFAULT_LOCALE;
}

export function isTimeZone(value: unknown): value is string {
  if (typeof value !== "string" || !value) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function resolveTimeZone(userTimeZone: string | null | undefined): string {
  return isTimeZone(userTimeZone) ? userTimeZone : DEFAULT_TIME_ZONE;
}
