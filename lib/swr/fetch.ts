"use client";

import useSWR from "swr";

/** A SWR fetcher: GET the key as JSON, never from the browser cache; an HTTP error throws, named by `what`. */
export function jsonFetcher<T>(what: string): (url: string) => Promise<T> {
  return async (url) => {
    const res = await fetch(url, { cache: "no-store" });
    if (!res.ok) throw new Error(`${what}: HTTP ${res.status}`);
    return res.json() as Promise<T>;
  };
}

/**
 * A page's server-rendered snapshot (`initial`, stamped with `at`) kept current by polling
 * `key` every `intervalMs`. Whichever of `initial` and the last poll is newer wins, so a
 * router.refresh() after the user's own action shows at once.
 */
export function useLiveSnapshot<T extends { at: string }>(key: string, fetcher: (url: string) => Promise<T>, initial: T, intervalMs: number) {
  const swr = useSWR<T>(key, fetcher, {
    refreshInterval: intervalMs,
    keepPreviousData: true,
    revalidateOnMount: false,
    fallbackData: initial,
  });
  const data = swr.data && Date.parse(swr.data.at) >= Date.parse(initial.at) ? swr.data : initial;
  return { data, error: swr.error as Error | undefined, mutate: swr.mutate };
}
