"use client";

import useSWR from "swr";
import type { NodeSeries, ReleaseSeries } from "@/lib/metrics/series";
import { jsonFetcher } from "./fetch";

/** The sampler writes every ~10 s: polling faster would only re-read the same rows. */
export const SERIES_INTERVAL_MS = 10_000;


const fetchNodeSeries = jsonFetcher<NodeSeries>("series");
const fetchReleaseSeries = jsonFetcher<ReleaseSeries | null>("series");

const OPTIONS = { refreshInterval: SERIES_INTERVAL_MS, keepPreviousData: true, revalidateOnFocus: false } as const;

/** Per-node series of a service (last 15 minutes); null pauses. */
export function useNodeSeries(service: string | null) {
  return useSWR<NodeSeries>(service ? `/api/services/${encodeURIComponent(service)}/series` : null, fetchNodeSeries, OPTIONS);
}

/** Gray vs stable series of a release; `live` false (ended release) reads once. */
export function useReleaseSeries(id: string | null, live: boolean) {
  return useSWR<ReleaseSeries | null>(id ? `/api/releases/${encodeURIComponent(id)}/series` : null, fetchReleaseSeries, live ? OPTIONS : { revalidateOnFocus: false });
}
