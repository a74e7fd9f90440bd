-- The audit log is append-only in the database itself, not only in the portal:
-- rows of "AuditEvent" and "AuditOutcome" can be inserted and read, never
-- changed or removed, whoever connects. (Issue 5: integrity.)
--
-- UPDATE and DELETE are refused row by row; TRUNCATE (which skips row
-- triggers) by a statement trigger. A superuser can still disable the
-- triggers; the hash chain (lib/audit-chain.ts) detects changes made that way.

CREATE FUNCTION "graylane_audit_append_only"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '"%" is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit records cannot be changed or removed; record a new event instead.';
END;
$$;

CREATE TRIGGER "AuditEvent_append_only"
  BEFORE UPDATE OR DELETE ON "AuditEvent"
  FOR EACH ROW EXECUTE FUNCTION "graylane_audit_append_only"();

CREATE TRIGGER "AuditEvent_no_truncate"
  BEFORE TRUNCATE ON "AuditEvent"
  FOR EACH STATEMENT EXECUTE FUNCTION "graylane_audit_append_only"();

CREATE TRIGGER "AuditOutcome_append_only"
  BEFORE UPDATE OR DELETE ON "AuditOutcome"
  FOR EACH ROW EXECUTE FUNCTION "graylane_audit_append_only"();

CREATE TRIGGER "AuditOutcome_no_truncate"
  BEFORE TRUNCATE ON "AuditOutcome"
  FOR EACH STATEMENT EXECUTE FUNCTION "graylane_audit_append_only"();
