"use client";

import { useTranslations } from "next-intl";
import useSWR from "swr";
import type { DeliveryView } from "@/lib/notifications/webhooks";
import { DateTime } from "../../../_components/date-time";
import { Badge, EmptyState } from "../../../_components/states";

async function fetcher(url: string): Promise<{ deliveries: DeliveryView[] }> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`deliveries: HTTP ${res.status}`);
  return res.json() as Promise<{ deliveries: DeliveryView[] }>;
}

const TONE = { DELIVERED: "green", PENDING: "amber", FAILED: "red" } as const;

/** The newest deliveries of a webhook; polls so retries and "send test" show up by themselves. */
export function DeliveryLog({ webhookId, initial }: { webhookId: string; initial: DeliveryView[] }) {
  const t = useTranslations("notifications");
  const { data } = useSWR(`/api/webhooks/${encodeURIComponent(webhookId)}/deliveries`, fetcher, {
    refreshInterval: 2000,
    fallbackData: { deliveries: initial },
    keepPreviousData: true,
  });
  const rows = data?.deliveries ?? initial;
  if (rows.length === 0) return <EmptyState title={t("deliveries.empty")} />;
  return (
    <table className="table" data-testid="deliveries-table">
      <thead>
        <tr>
          <th>{t("deliveries.created")}</th>
          <th>{t("deliveries.event")}</th>
          <th>{t("deliveries.status")}</th>
          <th>{t("deliveries.attempts")}</th>
          <th>{t("deliveries.result")}</th>
          <th>{t("deliveries.next")}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id} data-testid={`delivery-${d.id}`}>
            <td className="text-xs whitespace-nowrap">
              <DateTime value={d.createdAt} />
            </td>
            <td className="text-xs">{t(`events.${d.event as "release.step"}`)}</td>
            <td>
              <Badge tone={TONE[d.status as keyof typeof TONE] ?? "neutral"}>{t(`deliveries.statuses.${d.status as "PENDING"}`)}</Badge>
            </td>
            <td>{d.attempts}</td>
            <td className="font-mono text-xs break-all">{d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : "")}</td>
            <td className="text-xs whitespace-nowrap">{d.nextAttemptAt ? <DateTime value={d.nextAttemptAt} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
