"use client";

import { useTranslations } from "next-intl";
import type { Side } from "@/lib/releases/analysis";
import type { LiveSplit as LiveSplitData } from "@/lib/releases/read";

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

/** Where the service's requests went recently (from the release page's shared poll). */
export function LiveSplit({ data }: { data: LiveSplitData | null }) {
  const t = useTranslations("releases.split");
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
