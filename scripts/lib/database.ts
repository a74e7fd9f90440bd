// Getting a PostgreSQL database for tests, the demo and scripts.
//
// - ensurePostgresServer(): a server to create test databases on (DATABASE_URL,
//   else the local one, else Debian's postgresql, installed and started).
// - createTestDatabase(): a fresh, migrated database per test run.
// - startEmbeddedPostgres(): PGlite on a TCP port, for `npm run demo` with no
//   server at all.
// - migrateDeploy(): the real `prisma migrate deploy` (through our schema-engine
//   bridge, see prisma.config.ts).
// - ensureAdminUser(): the demo's first admin.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import pg from "pg";

import { freePort } from "./net";

const execFileAsync = promisify(execFile);

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const LOCAL_URL = "postgres://postgres@127.0.0.1:5432/postgres";

const progress = (message: string) => console.error(`[db] ${message}`);

/** True when a server answers `select 1` at `url` within `timeoutMs`. */
export async function canConnect(url: string, timeoutMs = 3000): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/**
 * A PostgreSQL server URL to work with: DATABASE_URL if it answers, else the
 * local server on 127.0.0.1:5432, else Debian's `postgresql` package installed
 * (if missing) and its cluster started, with trust auth for 127.0.0.1.
 */
export async function ensurePostgresServer(): Promise<string> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    if (await canConnect(fromEnv)) return fromEnv;
    throw new Error(
      `DATABASE_URL is set but no database answers at ${describeUrl(fromEnv)}. ` +
        "Start that server, fix DATABASE_URL, or unset it to use the local PostgreSQL on 127.0.0.1:5432.",
    );
  }
  if (await canConnect(LOCAL_URL)) return LOCAL_URL;

  progress("no PostgreSQL answers on 127.0.0.1:5432; using Debian's postgresql package");
  if (process.platform !== "linux" || !existsSync("/usr/bin/apt-get")) {
    throw new Error(
      "No PostgreSQL server found on 127.0.0.1:5432 and this is not a Debian system. " +
        "Start PostgreSQL (trust or password auth for user postgres) or set DATABASE_URL.",
    );
  }
  const asRoot = process.getuid?.() === 0 ? [] : ["sudo", "-n"];
  const run = async (cmd: string[], what: string) => {
    progress(what);
    const [file, ...args] = [...asRoot, ...cmd];
    try {
      await execFileAsync(file, args, {
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-5).join("\n");
      throw new Error(
        `${what} failed: ${stderr || (error as Error).message}\n` +
          "Install and start PostgreSQL yourself (apt-get install -y postgresql), or set DATABASE_URL.",
      );
    }
  };

  if (!existsSync("/usr/lib/postgresql") || readdirSync("/usr/lib/postgresql").length === 0) {
    await run(["apt-get", "update"], "apt-get update");
    await run(["apt-get", "install", "-y", "--no-install-recommends", "postgresql"], "apt-get install postgresql");
  }
  const versions = existsSync("/etc/postgresql") ? readdirSync("/etc/postgresql").sort() : [];
  const version = versions.at(-1);
  if (!version) {
    throw new Error(
      "postgresql is installed but no cluster exists in /etc/postgresql. Create one with " +
        "`pg_createcluster <version> main`, or set DATABASE_URL.",
    );
  }
  await ensureTrustForLocalhost(version, run);
  await run(
    ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
    `starting PostgreSQL ${version} cluster "main"`,
  ).catch(async (error) => {
    // "already running" is fine if it now answers.
    if (!(await canConnect(LOCAL_URL))) throw error;
  });
  for (let i = 0; i < 40; i++) {
    if (await canConnect(LOCAL_URL, 1000)) {
      progress(`PostgreSQL ${version} is up on 127.0.0.1:5432`);
      return LOCAL_URL;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `PostgreSQL ${version} was started but does not accept connections as user postgres on 127.0.0.1:5432. ` +
      `Check /var/log/postgresql/postgresql-${version}-main.log, or set DATABASE_URL.`,
  );
}

/** Put `host all all 127.0.0.1/32 trust` first in pg_hba.conf unless it is there. */
async function ensureTrustForLocalhost(
  version: string,
  run: (cmd: string[], what: string) => Promise<void>,
): Promise<void> {
  const hba = `/etc/postgresql/${version}/main/pg_hba.conf`;
  const { readFile } = await import("node:fs/promises");
  const text = await readFile(hba, "utf8").catch(() => "");
  if (/^host\s+all\s+all\s+127\.0\.0\.1\/32\s+trust/m.test(text)) return;
  const rules = "host all all 127.0.0.1/32 trust\\nhost all all ::1/128 trust\\n";
  await run(["sh", "-c", `printf '${rules}' | cat - '${hba}' > '${hba}.new' && mv '${hba}.new' '${hba}' && chown postgres:postgres '${hba}'`],
    `allowing trust auth for 127.0.0.1 in ${hba}`);
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Create `graylane_test_<random>` on the server of `baseUrl`, apply every
 * migration with `prisma migrate deploy`, and return its URL. `drop()` ends
 * the remaining connections and drops it.
 */
export async function createTestDatabase(
  baseUrl: string,
  opts: { prefix?: string; migrate?: boolean } = {},
): Promise<TestDatabase> {
  const name = `${opts.prefix ?? "graylane_test"}_${randomBytes(5).toString("hex")}`;
  await adminQuery(baseUrl, `CREATE DATABASE ${quoteIdent(name)}`);
  const url = withDatabase(baseUrl, name);
  const drop = () => adminQuery(baseUrl, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  try {
    if (opts.migrate !== false) await migrateDeploy(url);
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { url, name, drop };
}

/** The Prisma CLI of this project, run with `env` and DATABASE_URL=url. */
export async function runPrisma(
  args: string[],
  url: string | undefined,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = path.join(projectRoot, "node_modules", "prisma", "build", "index.js");
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
  if (url === undefined) delete childEnv.DATABASE_URL;
  else childEnv.DATABASE_URL = url;
  return runCollecting(process.execPath, [cli, ...args], childEnv);
}

/** Runs a program in the project root and collects its exit code and output. */
export function runCollecting(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: projectRoot, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Apply all pending migrations to `url` with the real `prisma migrate deploy`. */
export async function migrateDeploy(url: string): Promise<void> {
  const result = await runPrisma(["migrate", "deploy"], url);
  if (result.code !== 0) {
    throw new Error(
      `prisma migrate deploy failed for ${describeUrl(url)} (exit ${result.code}):\n${result.stdout}${result.stderr}`,
    );
  }
}

export interface EmbeddedPostgres {
  url: string;
  /** Environment for processes that use this database (DATABASE_URL and a pool of 1). */
  env: { DATABASE_URL: string; GRAYLANE_DB_POOL_MAX: string; GRAYLANE_DB_EMBEDDED: string };
  stop(): Promise<void>;
}

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Owner-only modes under `dir` (directories 0700, files 0600). PGlite creates the files of a
 * new cluster 0666 whatever the umask, and data dirs of earlier demos have them too.
 */
export function makePrivate(dir: string): void {
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== PRIVATE_DIR) chmodSync(p, PRIVATE_DIR);
      for (const name of readdirSync(p)) walk(path.join(p, name));
    } else if ((st.mode & 0o077) !== 0) {
      chmodSync(p, st.mode & PRIVATE_FILE);
    }
  };
  walk(dir);
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) persisted in `dataDir` (owner-only: 0700
 * directories, 0600 files), reachable on 127.0.0.1 only and only with `password` (random
 * when not given; it is in `url`). PGlite itself trusts whoever reaches its socket, so it
 * listens on a Unix socket in a private directory and a SCRAM-SHA-256 gate
 * (./pg-password-gate.ts) serves the TCP port. It runs a single session, so whoever connects
 * must use one pool connection: `env` carries GRAYLANE_DB_POOL_MAX=1 for lib/db.ts. The
 * database name in the URL is ignored by PGlite.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number; password?: string }): Promise<EmbeddedPostgres> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const { startPasswordGate } = await import("./pg-password-gate");
  const password = opts.password ?? randomBytes(24).toString("hex");
  // Owner-only from the first byte PGlite writes (directories honour the umask; files are
  // fixed by makePrivate before and after the database runs).
  const previousUmask = process.umask(0o077);
  mkdirSync(opts.dataDir, { recursive: true, mode: PRIVATE_DIR });
  makePrivate(opts.dataDir);
  const socketDir = mkdtempSync(path.join(os.tmpdir(), "graylane-pg-"));
  chmodSync(socketDir, PRIVATE_DIR);
  const socketPath = path.join(socketDir, ".s.PGSQL");
  const db = await PGlite.create(path.resolve(opts.dataDir));
  makePrivate(opts.dataDir);
  const inner = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  const port = opts.port ?? (await freePort());
  let gate: Awaited<ReturnType<typeof startPasswordGate>>;
  try {
    await inner.start();
    gate = await startPasswordGate({ host: "127.0.0.1", port, password, socketPath });
  } catch (error) {
    await inner.stop().catch(() => {});
    await db.close();
    rmSync(socketDir, { recursive: true, force: true });
    process.umask(previousUmask);
    throw new Error(
      `Could not serve the embedded database on 127.0.0.1:${port}: ${(error as Error).message}. ` +
        "Pick another port or stop whatever uses it.",
    );
  }
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${gate.port}/postgres`;
  let stopped = false;
  return {
    url,
    env: { DATABASE_URL: url, GRAYLANE_DB_POOL_MAX: "1", GRAYLANE_DB_EMBEDDED: "1" },
    async stop() {
      if (stopped) return;
      stopped = true;
      await gate.close();
      await inner.stop();
      await db.close();
      makePrivate(opts.dataDir); // files PGlite created while it ran (WAL segments, relations)
      rmSync(socketDir, { recursive: true, force: true });
      process.umask(previousUmask);
    },
  };
}

/**
 * The first ADMIN (admin@graylane.local, generated password) when the database has no user
 * at all, through prisma/seed.ts: the password to show once, or null when users exist.
 * Connects to DATABASE_URL (or `url`) with its own client and disconnects afterwards: the
 * embedded database serves a single connection, which the portal needs next. Needs the
 * react-server condition (lib modules are server-only), as `npm run demo` runs.
 */
export async function ensureAdminUser(url?: string): Promise<{ email: string; password: string } | null> {
  const { createDbClient } = await import("../../lib/db");
  const { ensureAdminUser: seedAdmin } = await import("../../prisma/seed");
  const client = createDbClient(url ?? process.env.DATABASE_URL);
  try {
    return await seedAdmin(client);
  } finally {
    await client.$disconnect();
  }
}
