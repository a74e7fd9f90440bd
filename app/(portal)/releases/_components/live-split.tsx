"use client";

import { useTranslations } from "next-intl";
import useSWR from "swr";
import type { LiveSplit as LiveSplitData } from "@/lib/releases/read";
import type { Side } from "@/lib/releases/analysis";

export const SPLIT_INTERVAL_MS = 2000;

async function fetcher(url: string): Promise<LiveSplitData> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`split: HTTP ${res.status}`);
  return res.json() as Promise<LiveSplitData>;
}

/** Where the service's requests went recently, polled every 2 s; null id pauses. */
export function useReleaseSplit(id: string | null) {
  return useSWR<LiveSplitData>(id ? `/api/v1/releases/${encodeURIComponent(id)}/split` : null, fetcher, {
    refreshInterval: SPLIT_INTERVAL_MS,
    keepPreviousData: true,
  });
}

function SideLine({ label, side }: { label: string; side: Side | null }) {
  const t = useTranslations("releases.split");
  if (!side) return null;
  return (
    <p>
      <span className="font-medium">{label}</span>: {t("requests", { count: side.requests })}
      {side.errorRate !== null ? ` · ${t("errorRate", { rate: (side.errorRate * 100).toFixed(1) })}` : ""}
      {side.p95Ms !== null ? ` · ${t("p95", { ms: side.p95Ms.toFixed(0) })}` : ""}
    </p>
  );
}

export function LiveSplit({ id }: { id: string }) {
  const t = useTranslations("releases.split");
  const { data } = useReleaseSplit(id);
  const seconds = data?.windowSeconds ? Math.round(data.windowSeconds) : null;
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="live-split">
      <h2 className="mb-2 font-semibold">{t("title")}</h2>
      {!data || seconds === null ? (
        <p className="text-slate-500">{t("measuring")}</p>
      ) : data.grayShare === null ? (
        <p className="text-slate-500">{t("noTraffic", { seconds })}</p>
      ) : (
        <div className="space-y-1">
          <p data-testid="live-share">{t("share", { percent: (data.grayShare * 100).toFixed(1), seconds })}</p>
          <SideLine label={t("gray")} side={data.gray} />
          <SideLine label={t("stable")} side={data.stable} />
        </div>
      )}
      {data?.unreachable.length ? <p className="mt-1 text-red-700">{t("unreachable", { gateways: data.unreachable.join(", ") })}</p> : null}
    </section>
  );
}
