"use client";

import type { GatewaysLive } from "@/lib/gateways/live";
import { jsonFetcher, useLiveSnapshot } from "./fetch";

/** Each poll checks every gateway's /v1/status (2 s timeout at most): slower than the stats widgets. */
export const GATEWAYS_LIVE_INTERVAL_MS = 5000;
export const GATEWAYS_LIVE_KEY = "/api/gateways/live";

const fetchGateways = jsonFetcher<GatewaysLive>("gateways");

/** The Gateways table as it changes, polled every 5 s from the server-rendered `initial`. */
export function useGatewaysLive(initial: GatewaysLive) {
  const { data, error } = useLiveSnapshot(GATEWAYS_LIVE_KEY, fetchGateways, initial, GATEWAYS_LIVE_INTERVAL_MS);
  return { data, error };
}
