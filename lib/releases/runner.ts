import "server-only";
// The analyzer loop of a portal process (started from instrumentation.ts); exactly one
// portal process of a deployment analyzes (see lib/leader.ts).
import { getDb } from "@/lib/db";
import { LEADER_LOCKS, startLeaderLoop } from "@/lib/leader";
import { ReleaseAnalyzer, analyzerOptionsFromEnv } from "./analyzer";

export type RunnerHandle = { stop(): Promise<void>; isLeader(): boolean };

export function startReleaseAnalyzer(opts: { databaseUrl?: string; intervalMs?: number } = {}): RunnerHandle {
  const options = analyzerOptionsFromEnv();
  const analyzer = new ReleaseAnalyzer(options);
  const loop = startLeaderLoop({
    name: "release.analyzer",
    lockId: LEADER_LOCKS.releaseAnalyzer,
    intervalMs: opts.intervalMs ?? options.intervalMs,
    databaseUrl: opts.databaseUrl,
    tick: async () => {
      await analyzer.tick(getDb());
    },
  });
  return { isLeader: loop.isLeader, stop: loop.stop };
}
