import "server-only";
// A background loop that runs in exactly one portal process of a deployment. Several portal
// processes may run: a PostgreSQL session advisory lock, held on a dedicated connection,
// makes exactly one of them the leader; when that process dies its lock goes with it and
// another takes over on its next tick. Used by the release analyzer and the reconciler.
import pg from "pg";
import { log } from "@/lib/log";

/** pg_try_advisory_lock(LOCK_CLASS, id): the "graylane" class; ids are listed here so they never collide. */
const LOCK_CLASS = 0x6772_6179; // "gray"
export const LEADER_LOCKS = { releaseAnalyzer: 1, reconciler: 2, auditCheckpoints: 3, sampler: 4, notifications: 5 } as const;

/** A loop's interval setting `variable` (milliseconds, an integer ≥ 100), or `fallback` when unset. */
export function intervalFromEnv(variable: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[variable];
  if (raw === undefined || raw === "") return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 100) throw new Error(`${variable} must be an integer ≥ 100, got "${raw}".`);
  return ms;
}

export type LeaderHandle = {
  stop(): Promise<void>;
  isLeader(): boolean;
  /** Runs a tick now (if this process leads), without waiting for the timer; resolves when it is done. */
  runNow(): Promise<boolean>;
};

export type LeaderLoopOptions = {
  /** Log prefix and application_name, e.g. "release.analyzer". */
  name: string;
  lockId: number;
  intervalMs: number;
  /** Delay of the first tick (default min(intervalMs, 1000)). */
  firstDelayMs?: number;
  databaseUrl?: string;
  tick: () => Promise<void>;
};

export function startLeaderLoop(opts: LeaderLoopOptions): LeaderHandle {
  const url = opts.databaseUrl ?? process.env.DATABASE_URL;
  let lockClient: pg.Client | null = null;
  let leader = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  // One tick at a time in this process: the timer and runNow() share it.
  let running: Promise<boolean> | null = null;

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
        const c = new pg.Client({ connectionString: url, application_name: `graylane-${opts.name}`, connectionTimeoutMillis: 5000 });
        c.on("error", (e) => {
          log.warn(`${opts.name}_lock_lost`, { error: e.message });
          void dropLock();
        });
        await c.connect();
        lockClient = c;
      }
      const res = await lockClient.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_CLASS, opts.lockId]);
      leader = res.rows[0]?.ok === true;
      if (leader) log.info(`${opts.name}_leader`, { pid: process.pid });
      return leader;
    } catch (e) {
      log.warn(`${opts.name}_lock_failed`, { error: e instanceof Error ? e.message : String(e) });
      await dropLock();
      return false;
    }
  }

  async function once(): Promise<boolean> {
    if (stopped) return false;
    try {
      if (!(await ensureLeader())) return false;
      await opts.tick();
      return true;
    } catch (e) {
      log.error(`${opts.name}_tick_failed`, { error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  function runOnce(): Promise<boolean> {
    running ??= once().finally(() => {
      running = null;
    });
    return running;
  }

  async function loop(): Promise<void> {
    await runOnce();
    if (!stopped) {
      timer = setTimeout(loop, opts.intervalMs);
      timer.unref?.();
    }
  }

  timer = setTimeout(loop, opts.firstDelayMs ?? Math.min(opts.intervalMs, 1000));
  timer.unref?.();
  return {
    isLeader: () => leader,
    runNow: async () => {
      // A tick already in flight may have read the state before the caller's change: wait, then run again.
      if (running) await running;
      return runOnce();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
      await dropLock();
    },
  };
}
