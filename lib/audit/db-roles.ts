// Two database roles (issue 11): the audit tables are safe from the portal's own role.
//
//   owner  owns the schema and every table; runs migrations (`npm run db -- migrate`).
//          Only the owner (or a superuser) can disable the append-only triggers.
//   app    what the portal runs as: reads and writes the application tables, but on
//          "AuditEvent" and "AuditOutcome" only SELECT and INSERT (no UPDATE, DELETE,
//          TRUNCATE, no ALTER: it owns nothing), and nothing on _prisma_migrations.
//
// The SQL is idempotent: run it again after new migrations so new tables get their grants.
// Passwords are not part of it; set them with `\password <role>` in psql (or use
// certificate / peer authentication).

export type RoleNames = { owner: string; app: string };
export const DEFAULT_ROLES: RoleNames = { owner: "graylane_owner", app: "graylane_app" };

export const AUDIT_TABLES = ["AuditEvent", "AuditOutcome"] as const;

const ROLE_RE = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertRoleName(name: string, what: string): string {
  if (!ROLE_RE.test(name)) throw new Error(`${what}: a role name is lowercase letters, digits and _ (got "${name}")`);
  return name;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** SQL to run as a superuser (or a role with CREATEROLE that may reassign ownership) on the portal's database. */
export function rolesSql(names: RoleNames = DEFAULT_ROLES): string {
  const owner = q(assertRoleName(names.owner, "owner"));
  const app = q(assertRoleName(names.app, "app"));
  const audit = AUDIT_TABLES.map(q).join(", ");
  return `-- Graylane database roles: ${names.owner} owns and migrates, ${names.app} runs the portal.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${names.owner}') THEN CREATE ROLE ${owner} LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${names.app}') THEN CREATE ROLE ${app} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS; END IF;
END
$$;

-- The owner owns the schema, every table (with its sequences) and our functions (migrations need that).
ALTER SCHEMA public OWNER TO ${owner};
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') LOOP
    -- A table's serial/identity sequences follow their table.
    EXECUTE format(CASE r.relkind WHEN 'v' THEN 'ALTER VIEW %I OWNER TO ${owner}'
                                  WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %I OWNER TO ${owner}'
                                  ELSE 'ALTER TABLE %I OWNER TO ${owner}' END, r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.proname LIKE 'graylane%' LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO ${owner}', r.sig);
  END LOOP;
END
$$;

-- The app role: data access only, never ownership.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM ${app};
GRANT USAGE ON SCHEMA public TO ${app};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${app};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${app};
REVOKE ALL ON TABLE ${audit} FROM ${app};
GRANT SELECT, INSERT ON TABLE ${audit} TO ${app};
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_tables WHERE schemaname = 'public' AND tablename = '_prisma_migrations') THEN
    REVOKE ALL ON TABLE "_prisma_migrations" FROM ${app};
  END IF;
END
$$;
-- Tables a later migration creates get the same data grants (run this again afterwards for the audit tables' restriction).
ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app};
ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${app};
`;
}
