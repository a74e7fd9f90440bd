"use client";

import useSWR from "swr";
import type { ApprovalView } from "@/lib/approvals/read";
import { jsonFetcher } from "./fetch";

const fetcher = jsonFetcher<ApprovalView>("approval");

/** The release's approval state, polled every 2 s (null pauses). */
export function useApproval(releaseId: string | null) {
  return useSWR<ApprovalView>(releaseId ? `/api/v1/releases/${encodeURIComponent(releaseId)}/approval` : null, fetcher, { refreshInterval: 2000, keepPreviousData: true });
}
