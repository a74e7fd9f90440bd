// Database chores from a shell:
//
//   npm run db -- server                  find or start a PostgreSQL server, print its URL
//   npm run db -- embedded [--data-dir .graylane/pgdata] [--port N]
//                                         serve the embedded PGlite database until Ctrl-C
//   npm run db -- migrate                 prisma migrate deploy on DATABASE_URL, then re-anchor
//                                         the unkeyed audit events (when an audit key is set)
//   npm run db -- verify-audit            verify the audit log and its checkpoints (exit 3 if not intact)
//   npm run db -- audit-checkpoint [--force]
//                                         sign the head of the audit chain into GRAYLANE_AUDIT_CHECKPOINT_DIR
//   npm run db -- roles [--apply] [--owner graylane_owner] [--app graylane_app]
//                                         print (or apply on DATABASE_URL, as a superuser) the SQL of the
//                                         owner role (migrations) and the app role (the portal)
import path from "node:path";
import { parseArgs } from "node:util";

import pg from "pg";

import { ensureReanchored } from "../lib/audit/chain";
import { writeCheckpoint } from "../lib/audit/checkpoints";
import { DEFAULT_ROLES, rolesSql } from "../lib/audit/db-roles";
import { auditKeyring } from "../lib/audit/keys";
import { verifyAuditChain } from "../lib/audit/verify";
import { createDbClient } from "../lib/db";
import { ensurePostgresServer, migrateDeploy, projectRoot, startEmbeddedPostgres } from "./lib/database";

const USAGE =
  "usage: npm run db -- server | embedded [--data-dir <dir>] [--port <n>] | migrate | verify-audit | audit-checkpoint [--force] | roles [--apply] [--owner <role>] [--app <role>]";

function requireUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: point it at the database to use.");
  return url;
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    options: {
      "data-dir": { type: "string" },
      port: { type: "string" },
      force: { type: "boolean", default: false },
      apply: { type: "boolean", default: false },
      owner: { type: "string", default: DEFAULT_ROLES.owner },
      app: { type: "string", default: DEFAULT_ROLES.app },
    },
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
    case "migrate": {
      await migrateDeploy(requireUrl());
      console.log("migrations applied");
      let ring;
      try {
        ring = auditKeyring();
      } catch (e) {
        console.log(`audit chain not re-anchored yet (${(e as Error).message.split(".")[0]}); the portal does it at its first start`);
        return 0;
      }
      const db = createDbClient(requireUrl());
      try {
        const id = await ensureReanchored(db, ring);
        if (id !== null) console.log(`audit chain re-anchored at event ${id}: the unkeyed events before it are sealed`);
      } finally {
        await db.$disconnect();
      }
      return 0;
    }
    case "verify-audit": {
      const db = createDbClient(requireUrl());
      try {
        let shown = 0;
        const report = await verifyAuditChain(db, {
          onProgress: ({ checked, total }) => {
            if (process.stderr.isTTY && checked - shown >= 100_000) {
              shown = checked;
              process.stderr.write(`\rverified ${checked.toLocaleString("en")} / ${total.toLocaleString("en")} events`);
            }
          },
        });
        if (shown) process.stderr.write("\n");
        const cp = report.checkpoint
          ? `last checkpoint ${report.checkpoint.seq} at ${report.checkpoint.at} (event #${report.checkpoint.lastEventId}, ${report.checkpoint.count} events)`
          : `no checkpoint in ${report.checkpointDir ?? "(checkpoints ignored)"}`;
        const legacy = report.legacyEvents ? `, ${report.legacyEvents} of them with the unkeyed rule before the re-anchor` : "";
        if (report.ok) {
          console.log(`audit log intact: ${report.checked} events checked${legacy}; ${cp}; ${report.unanchored} events after the last checkpoint (not yet anchored)`);
          return 0;
        }
        console.log(`audit log BROKEN at event ${report.brokenAt} [${report.code}]: ${report.reason}`);
        console.log(`${report.checked} events before it check out; ${cp}; ${report.unanchored} events after the last checkpoint`);
        return 3;
      } finally {
        await db.$disconnect();
      }
    }
    case "audit-checkpoint": {
      const db = createDbClient(requireUrl());
      try {
        const { written, checkpoint, file } = await writeCheckpoint(db, { force: values.force });
        if (!checkpoint) console.log("the audit log is empty: nothing to checkpoint");
        else if (!written) console.log(`checkpoint ${checkpoint.seq} already covers event #${checkpoint.lastEventId} (--force writes another)`);
        else console.log(`checkpoint ${checkpoint.seq}: event #${checkpoint.lastEventId}, ${checkpoint.count} events -> ${file}`);
        return 0;
      } finally {
        await db.$disconnect();
      }
    }
    case "roles": {
      const sql = rolesSql({ owner: values.owner, app: values.app });
      if (!values.apply) {
        console.log(sql);
        return 0;
      }
      const client = new pg.Client({ connectionString: requireUrl() });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
      console.log(`roles applied: ${values.owner} owns the schema and runs migrations; ${values.app} runs the portal (SELECT/INSERT only on the audit tables)`);
      return 0;
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
