-- Per-user session version (issue 12 item 5): a session issued at an older version is over.
ALTER TABLE "User" ADD COLUMN "sessionVersion" INTEGER NOT NULL DEFAULT 0;

-- A new password, another role or disabling/enabling ends every session of the user, whichever
-- code path (portal, CLI, SQL) makes the change.
CREATE FUNCTION graylane_user_session_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."passwordHash" IS DISTINCT FROM OLD."passwordHash"
     OR NEW."role" IS DISTINCT FROM OLD."role"
     OR NEW."disabled" IS DISTINCT FROM OLD."disabled" THEN
    NEW."sessionVersion" := GREATEST(NEW."sessionVersion", OLD."sessionVersion" + 1);
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER "User_session_version" BEFORE UPDATE ON "User"
  FOR EACH ROW EXECUTE FUNCTION graylane_user_session_version();
