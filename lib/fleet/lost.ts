// A gateway not seen for GRAYLANE_GATEWAY_LOST_AFTER (default 5 min) is shown as lost on the
// Gateways page — never deleted: autoscaling may bring it back, and deleting is a person's call.
// "Seen" is lastSeenAt: the last successful status read, reconcile read or enrollment.

export const DEFAULT_LOST_AFTER_MS = 5 * 60_000;

/** "300", "300s", "5m", "1h" → ms. */
export function parseDuration(raw: string): number | null {
  const m = /^(\d+)\s*(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return n * unit;
}

export function lostAfterFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.GRAYLANE_GATEWAY_LOST_AFTER;
  if (raw === undefined || raw.trim() === "") return DEFAULT_LOST_AFTER_MS;
  const ms = parseDuration(raw);
  if (ms === null || ms < 1000) throw new Error(`GRAYLANE_GATEWAY_LOST_AFTER must be a duration of at least 1s like 300, 90s, 5m or 1h, got "${raw}".`);
  return ms;
}

/** Lost: not reachable now, and not seen (or never) within `lostAfterMs`. */
export function isLost(g: { lastSeenAt: Date | string | null; reachable: boolean }, lostAfterMs: number, now = Date.now()): boolean {
  if (g.reachable) return false;
  if (!g.lastSeenAt) return true;
  return now - new Date(g.lastSeenAt).getTime() > lostAfterMs;
}
