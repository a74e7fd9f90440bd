"use client";

import { useFormatter, useTranslations } from "next-intl";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { ChartFigure } from "../../../_components/chart-figure";

export type ChartWeek = {
  /** Monday, YYYY-MM-DD. */
  week: string;
  open: number;
  promoted: number;
  rolledBack: number;
  rollbackRate: number | null;
  medianGraySeconds: number | null;
};

const COLORS = { promoted: "#059669", rolledBack: "#d97706", open: "#0284c7", line: "#334155" };

/** Weekly release charts (recharts, client-only): counts by outcome, rollback rate, median time in gray. */
export function ReleaseCharts({ weeks }: { weeks: ChartWeek[] }) {
  const t = useTranslations("history");
  const format = useFormatter();
  const label = (week: string) => format.dateTime(new Date(`${week}T00:00:00Z`), { month: "short", day: "numeric", timeZone: "UTC" });
  const data = weeks.map((w) => ({
    ...w,
    label: label(w.week),
    rate: w.rollbackRate === null ? null : Math.round(w.rollbackRate * 1000) / 10,
    hours: w.medianGraySeconds === null ? null : Math.round((w.medianGraySeconds / 3600) * 10) / 10,
  }));
  const weekTitle = (_: unknown, payload: readonly { payload?: { week?: string } }[]) => {
    const week = payload[0]?.payload?.week;
    return week ? t("charts.week", { date: format.dateTime(new Date(`${week}T00:00:00Z`), { dateStyle: "medium", timeZone: "UTC" }) }) : "";
  };

  return (
    <div className="grid gap-4 lg:grid-cols-3" data-testid="release-charts">
      <ChartFigure title={t("charts.perWeek")}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" fontSize={11} />
          <YAxis allowDecimals={false} fontSize={11} />
          <Tooltip labelFormatter={weekTitle} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="promoted" name={t("summary.promoted")} stackId="r" fill={COLORS.promoted} />
          <Bar dataKey="rolledBack" name={t("summary.rolledBack")} stackId="r" fill={COLORS.rolledBack} />
          <Bar dataKey="open" name={t("summary.open")} stackId="r" fill={COLORS.open} />
        </BarChart>
      </ChartFigure>
      <ChartFigure title={t("charts.rollbackRate")}>
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" fontSize={11} />
          <YAxis domain={[0, 100]} unit="%" fontSize={11} />
          <Tooltip labelFormatter={weekTitle} formatter={(v) => format.number(Number(v) / 100, { style: "percent", maximumFractionDigits: 1 })} />
          <Line type="monotone" dataKey="rate" name={t("summary.rollbackRate")} stroke={COLORS.rolledBack} connectNulls dot />
        </LineChart>
      </ChartFigure>
      <ChartFigure title={t("charts.medianGray")} testId="chart-median-gray">
        <LineChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" fontSize={11} />
          <YAxis fontSize={11} unit={` ${t("charts.hoursUnit")}`} width={64} />
          <Tooltip labelFormatter={weekTitle} formatter={(v) => `${format.number(Number(v), { maximumFractionDigits: 1 })} ${t("charts.hours")}`} />
          <Line type="monotone" dataKey="hours" name={t("summary.medianGray")} stroke={COLORS.line} connectNulls dot />
        </LineChart>
      </ChartFigure>
    </div>
  );
}
