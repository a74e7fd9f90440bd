"use client";

import useSWR from "swr";
import type { ApprovalView } from "@/lib/approvals/read";

async function fetcher(url: string): Promise<ApprovalView> {
  const res = await fetch(url, { cache: "no-store" });
  if (!res.ok) throw new Error(`approval: HTTP ${res.status}`);
  return res.json() as Promise<ApprovalView>;
}

/** The release's approval state, polled every 2 s (null pauses). */
export function useApproval(releaseId: string | null) {
  return useSWR<ApprovalView>(releaseId ? `/api/v1/releases/${encodeURIComponent(releaseId)}/approval` : null, fetcher, { refreshInterval: 2000, keepPreviousData: true });
}
