"use client";

import useSWR from "swr";
import type { LiveStats } from "@/lib/services/live";
import { jsonFetcher } from "./fetch";

export const LIVE_STATS_INTERVAL_MS = 2000;

const fetcher = jsonFetcher<LiveStats>("live stats");

/** Live stats of one service (or of all with `service` undefined); null pauses polling. */
export function useLiveStats(service: string | null | undefined) {
  const key = service === null ? null : service === undefined ? "/api/services/stats" : `/api/services/stats?service=${encodeURIComponent(service)}`;
  return useSWR<LiveStats>(key, fetcher, { refreshInterval: LIVE_STATS_INTERVAL_MS, keepPreviousData: true });
}
