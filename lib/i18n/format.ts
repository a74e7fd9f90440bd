// Formatting helpers for server code outside React (e.g. building strings in actions).
// In components prefer next-intl's useFormatter()/getFormatter(), which use the same
// locale and time zone from i18n/request.ts.

import type { Locale } from "./locales";

export type FormatContext = { locale: Locale | string; timeZone: string };

/** Date and time in the user's zone, with the zone named (e.g. "May 3, 2025, 14:05:09 UTC"). */
export function formatDateTime(value: Date | string | number, ctx: FormatContext): string {
  return new Intl.DateTimeFormat(ctx.locale, {
    dateStyle: "medium",
    timeStyle: "medium",
    timeZone: ctx.timeZone,
  }).format(new Date(value)) + ` ${zoneLabel(ctx)}`;
}

/** Short label of the zone as people read it ("UTC", "Asia/Shanghai"). */
export function zoneLabel(ctx: FormatContext): string {
  return ctx.timeZone;
}

export function formatNumber(value: number, ctx: Pick<FormatContext, "locale">, maximumFractionDigits = 2): string {
  return new Intl.NumberFormat(ctx.locale, { maximumFractionDigits }).format(value);
}

/** `ratio` is 0..1 (0.125 → "12.5%"). */
export function formatPercent(ratio: number, ctx: Pick<FormatContext, "locale">, maximumFractionDigits = 1): string {
  return new Intl.NumberFormat(ctx.locale, { style: "percent", maximumFractionDigits }).format(ratio);
}

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
