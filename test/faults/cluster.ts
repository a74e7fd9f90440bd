// A throwaway PostgreSQL cluster on a free port, owned by the postgres user, that the fault
// tests may stop and start at will (never the shared server on 5432).
import { execFile } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../scripts/lib/net";

const run = promisify(execFile);
const BIN = "/usr/lib/postgresql/15/bin";

export type Cluster = { url: string; port: number; stop(): Promise<void>; start(): Promise<void>; destroy(): Promise<void> };

function asPostgres(args: string[]): [string, string[]] {
  // As root, run the server binaries as postgres (they refuse root); otherwise as ourselves.
  return userInfo().uid === 0 ? ["runuser", ["-u", "postgres", "--", ...args]] : [args[0], args.slice(1)];
}

async function pg(args: string[]): Promise<void> {
  const [file, argv] = asPostgres(args);
  await run(file, argv, { maxBuffer: 16 * 1024 * 1024 });
}

export async function startCluster(): Promise<Cluster> {
  const root = mkdtempSync(path.join(tmpdir(), "graylane-faults-pg-"));
  chmodSync(root, 0o755);
  const dir = path.join(root, "data");
  if (userInfo().uid === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  await pg([`${BIN}/initdb`, "-D", dir, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const start = () => pg([`${BIN}/pg_ctl`, "-D", dir, "-l", path.join(root, "server.log"), "-w", "-t", "30", "-o", `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
  const stop = () => pg([`${BIN}/pg_ctl`, "-D", dir, "-m", "fast", "-w", "-t", "30", "stop"]);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await stop().catch(() => pg([`${BIN}/pg_ctl`, "-D", dir, "-m", "immediate", "stop"]).catch(() => undefined));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
