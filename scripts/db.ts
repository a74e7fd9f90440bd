// Database chores from a shell:
//
//   npm run db -- server                  find or start a PostgreSQL server, print its URL
//   npm run db -- embedded [--data-dir .graylane/pgdata] [--port N]
//                                         serve the embedded PGlite database until Ctrl-C
//   npm run db -- migrate                 prisma migrate deploy on DATABASE_URL
//   npm run db -- verify-audit            walk the audit hash chain on DATABASE_URL
import path from "node:path";
import { parseArgs } from "node:util";

import { verifyAuditChain } from "../lib/audit-chain";
import { createDbClient } from "../lib/db";
import { ensurePostgresServer, migrateDeploy, projectRoot, startEmbeddedPostgres } from "./lib/database";

const USAGE = "usage: npm run db -- server | embedded [--data-dir <dir>] [--port <n>] | migrate | verify-audit";

function requireUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: point it at the database to use.");
  return url;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    options: { "data-dir": { type: "string" }, port: { type: "string" } },
    allowPositionals: true,
  });
  switch (positionals[0]) {
    case "server":
      console.log(await ensurePostgresServer());
      return 0;
    case "embedded": {
      const port = values.port === undefined ? undefined : Number(values.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
        throw new Error(`port: must be a TCP port number, got "${values.port}"`);
      }
      const dataDir = path.resolve(values["data-dir"] ?? path.join(projectRoot, ".graylane", "pgdata"));
      const pg = await startEmbeddedPostgres({ dataDir, port });
      console.log(`embedded PostgreSQL (PGlite) from ${dataDir}`);
      console.log(`DATABASE_URL=${pg.url} GRAYLANE_DB_POOL_MAX=1   (one connection at a time; Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await pg.stop();
      return 0;
    }
    case "migrate":
      await migrateDeploy(requireUrl());
      console.log("migrations applied");
      return 0;
    case "verify-audit": {
      const db = createDbClient(requireUrl());
      try {
        const report = await verifyAuditChain(db);
        if (report.ok) {
          console.log(`audit chain intact: ${report.checked} events checked`);
          return 0;
        }
        console.log(`audit chain BROKEN at event ${report.brokenAt}: ${report.reason} (${report.checked} events before it check out)`);
        return 3;
      } finally {
        await db.$disconnect();
      }
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  },
);
