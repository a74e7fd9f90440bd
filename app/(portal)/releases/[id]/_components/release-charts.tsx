"use client";

import { useFormatter, useTranslations } from "next-intl";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Thresholds } from "@/lib/releases/analysis";
import { useReleaseSeries } from "@/lib/swr/use-series";

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
          <Chart title={t("errorRate")} testId="chart-5xx">
            <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: -8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="t" type="number" domain={domain ?? ["dataMin", "dataMax"]} tickFormatter={time} fontSize={11} />
              <YAxis unit="%" fontSize={11} domain={[0, "auto"]} />
              <Tooltip labelFormatter={time} formatter={(v) => `${format.number(Number(v), { maximumFractionDigits: 1 })}%`} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {steps.map((s) => (
                <ReferenceLine key={s.t} x={s.t} stroke={COLORS.step} strokeDasharray="2 2" label={{ value: `${s.percent}%`, position: "insideTopLeft", fontSize: 10 }} />
              ))}
              <Line type="linear" dataKey="gray5xx" name={t("gray")} stroke={COLORS.gray} dot={false} isAnimationActive={false} connectNulls />
              <Line type="linear" dataKey="stable5xx" name={t("stable")} stroke={COLORS.stable} dot={false} isAnimationActive={false} connectNulls />
              <Line type="stepAfter" dataKey="limit5xx" name={t("limit")} stroke={COLORS.limit} strokeDasharray="4 3" dot={false} isAnimationActive={false} connectNulls />
            </LineChart>
          </Chart>
          <Chart title={t("p95")} testId="chart-p95">
            <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: -8 }}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="t" type="number" domain={domain ?? ["dataMin", "dataMax"]} tickFormatter={time} fontSize={11} />
              <YAxis unit=" ms" fontSize={11} domain={[0, "auto"]} />
              <Tooltip labelFormatter={time} formatter={(v) => `${format.number(Number(v), { maximumFractionDigits: 0 })} ms`} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {steps.map((s) => (
                <ReferenceLine key={s.t} x={s.t} stroke={COLORS.step} strokeDasharray="2 2" label={{ value: `${s.percent}%`, position: "insideTopLeft", fontSize: 10 }} />
              ))}
              <Line type="linear" dataKey="grayP95" name={t("gray")} stroke={COLORS.gray} dot={false} isAnimationActive={false} connectNulls />
              <Line type="linear" dataKey="stableP95" name={t("stable")} stroke={COLORS.stable} dot={false} isAnimationActive={false} connectNulls />
              <Line type="stepAfter" dataKey="limitP95" name={t("limit")} stroke={COLORS.limit} strokeDasharray="4 3" dot={false} isAnimationActive={false} connectNulls />
            </LineChart>
          </Chart>
        </div>
      )}
      <p className="text-xs text-slate-500">{t("hint")}</p>
    </section>
  );
}

function Chart({ title, testId, children }: { title: string; testId: string; children: React.ReactElement }) {
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" data-testid={testId}>
      <figcaption className="mb-2 text-sm font-medium text-slate-700">{title}</figcaption>
      <div className="h-56">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
