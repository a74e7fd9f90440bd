// Shared by the audit tests: the audit key, a fresh migrated database, the two database
// roles, the `npm run db` CLI, and a CSV reader.
import "../support/audit-env";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { rolesSql } from "@/lib/audit/db-roles";
import { projectRoot, runCollecting } from "../../scripts/lib/database";
import { freshDatabase, type FreshDatabase } from "../support/database";

export { freshDatabase };
export type AuditTestDb = FreshDatabase;

/** RFC 4180 reader (quoted fields, doubled quotes, CRLF), independent of the writer under test. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

/** `url` with another user name (trust or password auth as the server is set up). */
export function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = "";
  return u.toString();
}

/** The owner and app roles of `npm run db -- roles`, with names unique to this run. */
export async function createRoles(databaseUrl: string): Promise<{ owner: string; app: string; drop: (baseUrl: string) => Promise<void> }> {
  const suffix = randomBytes(4).toString("hex");
  const names = { owner: `gl_owner_${suffix}`, app: `gl_app_${suffix}` };
  await applyRoles(databaseUrl, names);
  return {
    ...names,
    drop: (baseUrl: string) => dropRoles(baseUrl, names),
  };
}

/** Drops the two roles, after every database they have rights in is dropped. */
export async function dropRoles(baseUrl: string, names: { owner: string; app: string }): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS "${names.app}"`);
    await admin.query(`DROP ROLE IF EXISTS "${names.owner}"`);
  } finally {
    await admin.end();
  }
}

/** The SQL of `npm run db -- roles` for `names`, applied to one database (as a superuser). */
export async function applyRoles(databaseUrl: string, names: { owner: string; app: string }): Promise<void> {
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    await sql.query(rolesSql(names));
  } finally {
    await sql.end();
  }
}

export type ScriptResult = { code: number; stdout: string; stderr: string };

/** Runs scripts/<script> as its npm script does, with `env` on top of this process's environment. */
export function runScript(script: "db.ts" | "user.ts", args: string[], env: Record<string, string>): Promise<ScriptResult> {
  // scripts/user.ts goes through lib/users.ts, which is server-only (as `npm run user` runs it).
  const conditions = script === "user.ts" ? ["--conditions=react-server"] : [];
  return runCollecting(process.execPath, [...conditions, "--import", "tsx", path.join(projectRoot, "scripts", script), ...args], { ...process.env, ...env });
}

/** `npm run db -- <args>`. */
export const dbCli = (args: string[], env: Record<string, string>) => runScript("db.ts", args, env);
