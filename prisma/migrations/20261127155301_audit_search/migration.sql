-- Audit history at scale (issue 5): free-text search and the "a gateway failed" filter
-- stay index-backed with millions of events. Prisma's schema language cannot express
-- an expression index or a partial index, so both live only here (the drift check
-- ignores them, as it ignores "Release_one_open").

-- Free-text search: one trigram GIN index over the searched text of an event. The
-- expression must stay identical to AUDIT_SEARCH_SQL in lib/audit/filters.ts, or the
-- planner cannot use the index. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension; an embedded database without it (PGlite in `npm run demo`) skips the index
-- and the same ILIKE query simply scans.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
    CREATE INDEX "AuditEvent_search_trgm" ON "AuditEvent" USING gin (
      ("action" || ' ' || "actorEmail" || ' ' || "targetName" || ' ' || coalesce("serviceName", '') || ' ' || coalesce("reason", '')) gin_trgm_ops
    );
  ELSE
    RAISE NOTICE 'pg_trgm is not available: audit search works without its index';
  END IF;
END
$$;

-- Failed gateway outcomes are rare: a small partial index finds their events at once.
CREATE INDEX "AuditOutcome_failed" ON "AuditOutcome" ("eventId") WHERE NOT "ok";
