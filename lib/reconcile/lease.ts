import "server-only";
// One sync of a gateway at a time, across every portal process: the reconciler's pass and the
// first sync of a gateway that just enrolled (which may run in another process than the
// reconciler's leader) each take the gateway's lease first, and skip a gateway whose lease
// another holds. The holder renews its leases while it syncs: a process that dies holding
// one loses it SYNC_LEASE_MS later at most.
import type { Db } from "@/lib/db";
import { log } from "@/lib/log";

export const SYNC_LEASE_MS = 15_000;

/** The error of a gateway left out because another sync holds its lease: not checked, not ok. */
export const SYNC_BUSY = {
  code: "sync_busy",
  message: "another sync of this gateway is running (a reconcile pass or its first sync after enrolling); it was not checked",
} as const;
const RENEW_MS = 5_000;

/** Takes the lease of each gateway of `ids` that nobody holds; returns those taken. */
export async function takeSyncLeases(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  // Raw: the lease is not a change of the gateway (its updatedAt stays).
  const rows = await db.$queryRaw<{ id: string }[]>`
    UPDATE "Gateway" SET "syncLeaseUntil" = now() + ${SYNC_LEASE_MS} * interval '1 millisecond'
    WHERE "id" = ANY(${[...ids]}::text[]) AND ("syncLeaseUntil" IS NULL OR "syncLeaseUntil" < now())
    RETURNING "id"`;
  return new Set(rows.map((r) => r.id));
}

export async function releaseSyncLeases(db: Db, ids: Iterable<string>): Promise<void> {
  const list = [...ids];
  if (list.length) await db.$executeRaw`UPDATE "Gateway" SET "syncLeaseUntil" = NULL WHERE "id" = ANY(${list}::text[])`;
}

/** Runs `fn` with the leases of the gateways of `ids` nobody else holds (renewed meanwhile), then releases them. */
export async function withSyncLeases<T>(db: Db, ids: readonly string[], fn: (leased: Set<string>) => Promise<T>): Promise<T> {
  const leased = await takeSyncLeases(db, ids);
  const list = [...leased];
  const renew = list.length
    ? setInterval(() => {
        db.$executeRaw`UPDATE "Gateway" SET "syncLeaseUntil" = now() + ${SYNC_LEASE_MS} * interval '1 millisecond' WHERE "id" = ANY(${list}::text[])`.catch((e: unknown) =>
          log.warn("reconcile.lease_renew_failed", { error: e instanceof Error ? e.message : String(e) }),
        );
      }, RENEW_MS)
    : null;
  try {
    return await fn(leased);
  } finally {
    if (renew) clearInterval(renew);
    await releaseSyncLeases(db, list).catch((e: unknown) => log.error("reconcile.lease_release_failed", { error: e instanceof Error ? e.message : String(e) }));
  }
}
