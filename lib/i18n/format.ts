// Formatting helpers for server code outside React (e.g. building strings in actions).
// In components prefer next-intl's useFormatter()/getFormatter(), which use the same
// locale and time zone from i18n/request.ts.

import type { Locale } from "./locales";

export type FormatContext = { locale: Locale | string; timeZone: string };

export function formatDuration(seconds: number, ctx: Pick<FormatContext, "locale">): string {
  const units: [Intl.NumberFormatOptions["unit"], number][] = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
  ];
  for (const [unit, size] of units) {
    if (seconds >= size) {
      return new Intl.NumberFormat(ctx.locale, { style: "unit", unit, unitDisplay: "long", maximumFractionDigits: 1 }).format(seconds / size);
    }
  }
  return new Intl.NumberFormat(ctx.locale, { style: "unit", unit: "second", unitDisplay: "long", maximumFractionDigits: 0 }).format(seconds);
}
