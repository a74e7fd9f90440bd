"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useLiveStats } from "@/lib/swr/use-live-stats";

/** Requests/s of one service summed over every gateway (all services share one poll). */
export function ServiceRate({ service }: { service: string }) {
  const t = useTranslations("services.live");
  const format = useFormatter();
  const { data, error } = useLiveStats(undefined);
  if (error && !data) return <span className="text-slate-400" title={t("unavailable")}>—</span>;
  const s = data?.services[service];
  if (!s || s.rps === null) return <span className="text-slate-400" title={t("measuring")}>…</span>;
  return <span className="tabular-nums">{t("rps", { value: format.number(s.rps, { maximumFractionDigits: 1 }) })}</span>;
}
