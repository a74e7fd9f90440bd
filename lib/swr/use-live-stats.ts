"use client";

import useSWR from "swr";
import type { LiveStats } from "@/lib/services/live";

export const LIVE_STATS_INTERVAL_MS = 2000;

async function fetcher(url: string): Promise<LiveStats> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`live stats: HTTP ${res.status}`);
  return res.json() as Promise<LiveStats>;
}

/** Live stats of one service (or of all with `service` undefined); null pauses polling. */
export function useLiveStats(service: string | null | undefined) {
  const key = service === null ? null : service === undefined ? "/api/services/stats" : `/api/services/stats?service=${encodeURIComponent(service)}`;
  return useSWR<LiveStats>(key, fetcher, { refreshInterval: LIVE_STATS_INTERVAL_MS, keepPreviousData: true });
}
