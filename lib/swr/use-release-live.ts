"use client";

import type { ReleaseLive } from "@/lib/releases/live";
import { jsonFetcher, useLiveSnapshot } from "./fetch";

export const RELEASE_LIVE_INTERVAL_MS = 2000;

const fetcher = jsonFetcher<ReleaseLive>("release");

export function releaseLiveKey(id: string): string {
  return `/api/releases/${encodeURIComponent(id)}/live`;
}

/** One release as it changes (state, share, timeline, analysis, split), polled every 2 s from the server-rendered `initial`. */
export function useReleaseLive(id: string, initial: ReleaseLive) {
  return useLiveSnapshot(releaseLiveKey(id), fetcher, initial, RELEASE_LIVE_INTERVAL_MS);
}
