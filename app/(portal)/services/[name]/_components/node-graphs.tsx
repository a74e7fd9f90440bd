"use client";

import { useFormatter, useTranslations } from "next-intl";
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { Point } from "@/lib/metrics/series";
import { useNodeSeries } from "@/lib/swr/use-series";
import { DataTable } from "../../../_components/data-table";

type Metric = "rps" | "errorRate" | "p95Ms";

const COLORS: Record<Metric, string> = { rps: "#0284c7", errorRate: "#dc2626", p95Ms: "#7c3aed" };

/** Per node: requests/s, 5xx rate and p95 over the last 15 minutes, from the sampler's rows (every ~10 s). */
export function NodeGraphs({ service, nodes }: { service: string; nodes: string[] }) {
  const t = useTranslations("services.graphs");
  const format = useFormatter();
  const { data, error } = useNodeSeries(service);
  const value = (m: Metric, v: number | null | undefined) =>
    v === null || v === undefined
      ? "—"
      : m === "rps"
        ? t("rpsValue", { value: format.number(v, { maximumFractionDigits: 1 }) })
        : m === "errorRate"
          ? format.number(v, { style: "percent", maximumFractionDigits: 1 })
          : t("msValue", { value: format.number(v, { maximumFractionDigits: 0 }) });
  const pointsOf = (addr: string): Point[] => {
    if (!data) return [];
    const key = Object.keys(data.nodes).find((k) => k.toLowerCase() === addr.toLowerCase());
    return key ? data.nodes[key] : [];
  };
  return (
    <section className="space-y-2" data-testid="node-graphs">
      <h2 className="text-lg font-semibold">{t("title")}</h2>
      <p className="text-xs text-slate-500">{error && !data ? t("unavailable") : t("hint")}</p>
      <DataTable testId="graphs-table" minWidth="min-w-[640px]" columns={[t("node"), t("rps"), t("errorRate"), t("p95")]}>
        {nodes.map((addr) => {
          const points = pointsOf(addr);
          const last = points.at(-1);
          return (
            <tr key={addr} className="border-t border-slate-100" data-testid={`node-graph-${addr}`} data-points={points.length}>
              <td className="px-3 py-2 font-mono text-xs break-all">{addr}</td>
              {(["rps", "errorRate", "p95Ms"] as const).map((m) => (
                <td key={m} className="px-3 py-2">
                  <div className="flex items-center gap-2">
                    <Sparkline points={points} metric={m} from={data?.from} to={data?.to} format={(v) => value(m, v)} />
                    <span className="w-20 text-right text-xs tabular-nums text-slate-600" data-testid={`last-${m}`}>
                      {value(m, last?.[m])}
                    </span>
                  </div>
                </td>
              ))}
            </tr>
          );
        })}
      </DataTable>
    </section>
  );
}

function Sparkline({ points, metric, from, to, format }: { points: Point[]; metric: Metric; from?: number; to?: number; format: (v: number) => string }) {
  const f = useFormatter();
  if (points.length === 0) return <div className="h-10 w-40 rounded bg-slate-50" data-testid={`spark-${metric}`} data-empty="true" />;
  return (
    <div className="h-10 w-40" data-testid={`spark-${metric}`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
          <XAxis dataKey="t" type="number" domain={[from ?? "dataMin", to ?? "dataMax"]} hide />
          <YAxis hide domain={[0, "auto"]} />
          <Tooltip
            labelFormatter={(v) => f.dateTime(new Date(Number(v)), { timeStyle: "medium" })}
            formatter={(v) => format(Number(v))}
            contentStyle={{ fontSize: 11, padding: "2px 6px" }}
          />
          <Line type="monotone" dataKey={metric} stroke={COLORS[metric]} strokeWidth={1.5} dot={points.length === 1} isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
