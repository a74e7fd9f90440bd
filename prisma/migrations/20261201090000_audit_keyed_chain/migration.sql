-- Keyed audit chain (issue 11). New events carry the id of the GRAYLANE_AUDIT_KEY whose
-- HMAC-SHA256 is their `hash`; the key itself never enters the database. Existing events
-- keep keyId NULL and their unkeyed SHA-256 hash: nothing is rewritten. The portal (or
-- `npm run db -- migrate`) appends one "audit.reanchor" event, signed with the key, that
-- seals the unkeyed prefix (its head hash, its event count and a digest of its outcomes);
-- verification checks the prefix with the old rule up to that event (lib/audit/verify.ts).
ALTER TABLE "AuditEvent" ADD COLUMN "keyId" TEXT;
