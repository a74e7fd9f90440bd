import "server-only";
// The analyzer loop of a portal process (started from instrumentation.ts). Several portal
// processes may run: a PostgreSQL session advisory lock, held on a dedicated connection,
// makes exactly one of them analyze; when that process dies its lock goes with it and
// another takes over on its next tick.
import pg from "pg";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { ReleaseAnalyzer, analyzerOptionsFromEnv } from "./analyzer";

/** pg_try_advisory_lock(LOCK_CLASS, LOCK_ID): "graylane" / release analyzer. */
const LOCK_CLASS = 0x6772_6179; // "gray"
const LOCK_ID = 1;

export type RunnerHandle = { stop(): Promise<void>; isLeader(): boolean };

export function startReleaseAnalyzer(opts: { databaseUrl?: string; intervalMs?: number } = {}): RunnerHandle {
  const options = analyzerOptionsFromEnv();
  const intervalMs = opts.intervalMs ?? options.intervalMs;
  const analyzer = new ReleaseAnalyzer(options);
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  let lockClient: pg.Client | null = null;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  async function dropLock(): Promise<void> {
    leader = false;
    const c = lockClient;
    lockClient = null;
    await c?.end().catch(() => undefined);
  }

  async function ensureLeader(): Promise<boolean> {
    // The embedded demo database serves a single session to a single portal process:
    // a second connection for the lock would be refused, and there is nobody to race.
    if (process.env.GRAYLANE_DB_EMBEDDED === "1") return (leader = true);
    if (leader && lockClient) return true;
    if (!url) return false;
    try {
      if (!lockClient) {
        const c = new pg.Client({ connectionString: url, application_name: "graylane-release-analyzer" });
        c.on("error", (e) => {
          log.warn("release.analyzer_lock_lost", { error: e.message });
          void dropLock();
        });
        await c.connect();
        lockClient = c;
      }
      const res = await lockClient.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_CLASS, LOCK_ID]);
      leader = res.rows[0]?.ok === true;
      if (leader) log.info("release.analyzer_leader", { pid: process.pid });
      return leader;
    } catch (e) {
      log.warn("release.analyzer_lock_failed", { error: e instanceof Error ? e.message : String(e) });
      await dropLock();
      return false;
    }
  }

  async function loop(): Promise<void> {
    if (stopped) return;
    try {
      if (await ensureLeader()) await analyzer.tick(getDb());
    } catch (e) {
      log.error("release.analyzer_tick_failed", { error: e instanceof Error ? e.message : String(e) });
    }
    if (!stopped) timer = setTimeout(loop, intervalMs);
  }

  timer = setTimeout(loop, Math.min(intervalMs, 1000));
  timer.unref?.();
  return {
    isLeader: () => leader,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await dropLock();
    },
  };
}
