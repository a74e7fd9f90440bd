"use client";

import useSWR from "swr";
import type { ReleaseLive } from "@/lib/releases/live";

export const RELEASE_LIVE_INTERVAL_MS = 2000;

async function fetcher(url: string): Promise<ReleaseLive> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`release: HTTP ${res.status}`);
  return res.json() as Promise<ReleaseLive>;
}

export function releaseLiveKey(id: string): string {
  return `/api/releases/${encodeURIComponent(id)}/live`;
}

/**
 * One release as it changes (state, share, timeline, analysis, split), polled every 2 s.
 * `initial` is what the server rendered; whichever of it and the last poll is newer wins,
 * so a router.refresh() after the user's own action shows at once.
 */
export function useReleaseLive(id: string, initial: ReleaseLive) {
  const swr = useSWR<ReleaseLive>(releaseLiveKey(id), fetcher, {
    refreshInterval: RELEASE_LIVE_INTERVAL_MS,
    keepPreviousData: true,
    revalidateOnMount: false,
    fallbackData: initial,
  });
  const data = swr.data && Date.parse(swr.data.at) >= Date.parse(initial.at) ? swr.data : initial;
  return { data, error: swr.error as Error | undefined, mutate: swr.mutate };
}
