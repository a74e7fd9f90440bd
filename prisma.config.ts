// Prisma 7 configuration: where the schema and migrations live and which
// database the CLI talks to (DATABASE_URL).
//
// Machines without access to Prisma's binary downloads cannot fetch the native
// schema engine, so the CLI is pointed at scripts/prisma-schema-engine.mjs, which
// runs Prisma's official WebAssembly build of the same engine (the protocol it
// speaks is described at the top of that file). The CLI loads this file before it checks
// for engines, so setting the variable here is enough for `prisma generate`
// and every migrate/db command. An explicit PRISMA_SCHEMA_ENGINE_BINARY from
// the environment (e.g. a machine that has the native engine) wins.
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "prisma/config";

const root = path.dirname(fileURLToPath(import.meta.url));
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(root, "scripts", "prisma-schema-engine.mjs");

export default defineConfig({
  schema: path.join(root, "prisma", "schema.prisma"),
  migrations: {
    path: path.join(root, "prisma", "migrations"),
    // `npx prisma db seed`: the first admin (prisma/seed.ts; lib modules need react-server).
    seed: "node --conditions=react-server --import tsx prisma/seed.ts",
  },
  datasource: {
    // Commands that never touch a database (generate, validate, format, a diff
    // between files) must work without DATABASE_URL, so no env() here: env()
    // throws when the variable is unset.
    url: process.env.DATABASE_URL ?? "",
    ...(process.env.SHADOW_DATABASE_URL ? { shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL } : {}),
  },
});
