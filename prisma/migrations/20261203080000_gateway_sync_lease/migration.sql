-- Issue 15: a sync of one gateway (the reconciler's pass, or the first sync of a gateway that
-- just enrolled) holds this lease, so two syncs of the same gateway never run at once, in any
-- portal process (lib/reconcile/lease.ts).
ALTER TABLE "Gateway" ADD COLUMN "syncLeaseUntil" TIMESTAMP(3);
