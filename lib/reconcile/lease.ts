import "server-only";
// One sync of a gateway at a time, across every portal process: the reconciler's pass and the
// first sync of a gateway that just enrolled (which may run in another process than the
// reconciler's leader) each take the gateway's lease first, and skip a gateway whose lease
// another holds. A process that dies holding a lease loses it after SYNC_LEASE_MS.
import type { Db } from "@/lib/db";

export const SYNC_LEASE_MS = 60_000;

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
