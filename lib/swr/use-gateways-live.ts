"use client";

import useSWR from "swr";
import type { GatewaysLive } from "@/lib/gateways/live";

/** Each poll checks every gateway's /v1/status (2 s timeout at most): slower than the stats widgets. */
export const GATEWAYS_LIVE_INTERVAL_MS = 5000;
export const GATEWAYS_LIVE_KEY = "/api/gateways/live";

async function fetcher(url: string): Promise<GatewaysLive> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`gateways: HTTP ${res.status}`);
  return res.json() as Promise<GatewaysLive>;
}

/**
 * The Gateways table as it changes, polled every 5 s. `initial` is what the server rendered;
 * whichever of it and the last poll is newer wins, so a router.refresh() after the user's own
 * action (add, edit, delete) shows at once.
 */
export function useGatewaysLive(initial: GatewaysLive) {
  const swr = useSWR<GatewaysLive>(GATEWAYS_LIVE_KEY, fetcher, {
    refreshInterval: GATEWAYS_LIVE_INTERVAL_MS,
    keepPreviousData: true,
    revalidateOnMount: false,
    fallbackData: initial,
  });
  const data = swr.data && Date.parse(swr.data.at) >= Date.parse(initial.at) ? swr.data : initial;
  return { data, error: swr.error as Error | undefined };
}
