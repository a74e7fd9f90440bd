// The portal's one Prisma client.
//
// Prisma 7 runs queries in-process through a driver adapter (@prisma/adapter-pg
// over node-postgres); no native engine is involved. GRAYLANE_DB_POOL_MAX caps
// the pool: the embedded PGlite database of `npm run demo` serves one session,
// so the demo sets it to 1.
//
// The client is created on first use, not at import: `next build` imports
// server modules while collecting pages, and a missing DATABASE_URL should fail
// the request that needs the database with a clear message, not the build.
import { PrismaPg } from "@prisma/adapter-pg";

import { PrismaClient, type Prisma } from "./generated/prisma/client";

/** The Prisma client the work functions run on (the app's `db`, or a test database's). */
export type Db = PrismaClient;
/** The client inside `db.$transaction(async (tx) => …)`. */
export type Tx = Prisma.TransactionClient;

type Client = InstanceType<typeof PrismaClient>;

const globalForDb = globalThis as unknown as { graylaneDb?: Client };

/**
 * True when `e` says PostgreSQL cannot be reached (refused, reset, gone, timed out): what
 * lib/actions/safe-action `toAppError` and the automation API report as database_unavailable.
 */
export function isDbUnreachable(e: unknown): boolean {
  const text = e instanceof Error ? `${e.name} ${e.message} ${String((e as { code?: unknown }).code ?? "")}` : String(e);
  return /ECONNREFUSED|ECONNRESET|P1001|P1017|DatabaseNotReachable|Can't reach database|Connection terminated|timeout exceeded when trying to connect/i.test(text);
}

function poolMax(): number {
  const raw = process.env.GRAYLANE_DB_POOL_MAX ?? "10";
  const max = Number(raw);
  if (!Number.isInteger(max) || max < 1) {
    throw new Error(`GRAYLANE_DB_POOL_MAX must be a positive integer, got "${raw}".`);
  }
  return max;
}

export function createDbClient(connectionString = process.env.DATABASE_URL): Client {
  if (!connectionString) {
    throw new Error(
      "DATABASE_URL is not set. Set it to a PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/graylane " +
        "(`npm run demo` sets it for you).",
    );
  }
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: poolMax() }) });
}

/**
 * The shared client, one per process. It lives on globalThis because Next.js bundles this
 * module into several chunks (pages, route handlers, instrumentation), each with its own
 * module state: per-module clients would open one pool each, and the embedded demo
 * database accepts a single connection. Dev reloads re-evaluate modules, too.
 */
export function getDb(): Client {
  return (globalForDb.graylaneDb ??= createDbClient());
}

/** `db.user.findMany()` etc.; the client is created on first property access. */
export const db: Client = new Proxy({} as Client, {
  get(_target, property) {
    const client = getDb();
    const value = Reflect.get(client, property, client);
    return typeof value === "function" ? value.bind(client) : value;
  },
});
