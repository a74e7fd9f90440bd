"use client";

import { useFormatter, useTranslations } from "next-intl";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import type { Thresholds } from "@/lib/releases/analysis";
import { useReleaseSeries } from "@/lib/swr/use-series";
import { ChartFigure } from "../../../_components/chart-figure";

const COLORS = { gray: "#7c3aed", stable: "#0284c7", limit: "#dc2626", step: "#94a3b8" };

type Row = { t: number; gray5xx?: number | null; stable5xx?: number | null; limit5xx?: number | null; grayP95?: number | null; stableP95?: number | null; limitP95?: number | null };

/**
 * Gray vs stable over the release (from the sampler's rows): 5xx rate and p95 latency, each
 * with the analysis threshold drawn (stable + allowed delta; ratio × stable p95) and every
 * traffic step marked.
 */
export function ReleaseCharts({ id, live, thresholds }: { id: string; live: boolean; thresholds: Thresholds }) {
  const t = useTranslations("releases.charts");
  const format = useFormatter();
  const { data } = useReleaseSeries(id, live);
  const rows = new Map<number, Row>();
  const row = (time: number) => rows.get(time) ?? (rows.set(time, { t: time }), rows.get(time)!);
  for (const p of data?.gray ?? []) {
    const r = row(p.t);
    r.gray5xx = p.errorRate === null ? null : p.errorRate * 100;
    r.grayP95 = p.p95Ms;
  }
  for (const p of data?.stable ?? []) {
    const r = row(p.t);
    r.stable5xx = p.errorRate === null ? null : p.errorRate * 100;
    r.limit5xx = (p.errorRate ?? 0) * 100 + thresholds.errorRateDelta * 100;
    r.stableP95 = p.p95Ms;
    r.limitP95 = p.p95Ms === null ? null : Math.max(p.p95Ms * thresholds.p95Ratio, p.p95Ms + thresholds.p95MinDeltaMs);
  }
  const points = [...rows.values()].sort((a, b) => a.t - b.t);
  const time = (v: unknown) => format.dateTime(new Date(Number(v)), { timeStyle: "medium" });
  const steps = data?.steps ?? [];
  const domain: [number, number] | undefined = data ? [data.from, Math.max(data.to, points.at(-1)?.t ?? data.to)] : undefined;

  return (
    <section className="space-y-2" data-testid="release-charts" data-points={points.length}>
      <h2 className="text-lg font-semibold">{t("title")}</h2>
      {points.length === 0 ? (
        <p className="text-sm text-slate-500">{t("empty")}</p>
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          <CompareChart title={t("errorRate")} testId="chart-5xx" points={points} keys={["gray5xx", "stable5xx", "limit5xx"]} unit="%" digits={1} domain={domain} steps={steps} time={time} />
          <CompareChart title={t("p95")} testId="chart-p95" points={points} keys={["grayP95", "stableP95", "limitP95"]} unit=" ms" digits={0} domain={domain} steps={steps} time={time} />
        </div>
      )}
      <p className="text-xs text-slate-500">{t("hint")}</p>
    </section>
  );
}

/** Gray, stable and the rollback threshold of one measure over time, with the traffic steps marked. */
function CompareChart(p: {
  title: string;
  testId: string;
  points: Row[];
  keys: [keyof Row, keyof Row, keyof Row];
  unit: string;
  digits: number;
  domain: [number, number] | undefined;
  steps: { t: number; percent: number }[];
  time: (v: unknown) => string;
}) {
  const t = useTranslations("releases.charts");
  const format = useFormatter();
  const [gray, stable, limit] = p.keys;
  return (
    <ChartFigure title={p.title} testId={p.testId}>
      <LineChart data={p.points} margin={{ top: 8, right: 12, bottom: 0, left: -8 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="t" type="number" domain={p.domain ?? ["dataMin", "dataMax"]} tickFormatter={p.time} fontSize={11} />
        <YAxis unit={p.unit} fontSize={11} domain={[0, "auto"]} />
        <Tooltip labelFormatter={p.time} formatter={(v) => `${format.number(Number(v), { maximumFractionDigits: p.digits })}${p.unit}`} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {p.steps.map((s) => (
          <ReferenceLine key={s.t} x={s.t} stroke={COLORS.step} strokeDasharray="2 2" label={{ value: `${s.percent}%`, position: "insideTopLeft", fontSize: 10 }} />
        ))}
        <Line type="linear" dataKey={gray} name={t("gray")} stroke={COLORS.gray} dot={false} isAnimationActive={false} connectNulls />
        <Line type="linear" dataKey={stable} name={t("stable")} stroke={COLORS.stable} dot={false} isAnimationActive={false} connectNulls />
        <Line type="stepAfter" dataKey={limit} name={t("limit")} stroke={COLORS.limit} strokeDasharray="4 3" dot={false} isAnimationActive={false} connectNulls />
      </LineChart>
    </ChartFigure>
  );
}
