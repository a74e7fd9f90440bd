import type { Db } from "@/lib/db";

// Failed-login throttling, stored in LoginAttempt so it holds across portal processes.
// Two keys, each with a few free failures and then a growing wait before the next attempt:
// - account + client address: slows a password guesser; the account's own success from that
//   address starts it over;
// - client address alone: slows one address trying many accounts; successes do not reset it
//   (an attacker could sign in to an account of their own between guesses).
// There is no per-account lock: a stranger's failures never stop the owner, who signs in from
// their own address with the right password as usual.

export const THROTTLE_WINDOW_MS = 60 * 60 * 1000;
export const FREE_FAILURES_PER_ACCOUNT_IP = 5;
export const FREE_FAILURES_PER_IP = 20;
export const FIRST_DELAY_MS = 30 * 1000;
export const MAX_DELAY_MS = 15 * 60 * 1000;

export type ThrottleState = { blocked: false } | { blocked: true; retryAt: Date };

/** The wait after `failures` failures with `free` of them free: 0, then 30 s doubling up to 15 min. */
export function delayAfter(failures: number, free: number): number {
  if (failures < free) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - free), MAX_DELAY_MS);
}

/** When the next attempt is allowed, given the failures counted for one key (newest first). */
export function retryAtFrom(failuresNewestFirst: Date[], free: number): Date | null {
  const delay = delayAfter(failuresNewestFirst.length, free);
  return delay === 0 ? null : new Date(failuresNewestFirst[0].getTime() + delay);
}

// Enough rows to reach the longest delay; more failures than that change nothing.
const MAX_COUNTED = Math.ceil(Math.log2(MAX_DELAY_MS / FIRST_DELAY_MS)) + 1;

export async function checkLoginThrottle(db: Db, email: string, clientIp: string, now = new Date()): Promise<ThrottleState> {
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  const lastSuccess = await db.loginAttempt.findFirst({
    where: { email, clientIp, success: true, createdAt: { gte: since } },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  const [accountIp, ip] = await Promise.all([
    db.loginAttempt.findMany({
      where: { email, clientIp, success: false, createdAt: { gte: lastSuccess?.createdAt ?? since } },
      orderBy: { createdAt: "desc" },
      take: FREE_FAILURES_PER_ACCOUNT_IP + MAX_COUNTED,
      select: { createdAt: true },
    }),
    clientIp
      ? db.loginAttempt.findMany({
          where: { clientIp, success: false, createdAt: { gte: since } },
          orderBy: { createdAt: "desc" },
          take: FREE_FAILURES_PER_IP + MAX_COUNTED,
          select: { createdAt: true },
        })
      : Promise.resolve([]),
  ]);
  const retryAt = [
    retryAtFrom(accountIp.map((a) => a.createdAt), FREE_FAILURES_PER_ACCOUNT_IP),
    retryAtFrom(ip.map((a) => a.createdAt), FREE_FAILURES_PER_IP),
  ].filter((d): d is Date => d !== null && d > now);
  if (retryAt.length === 0) return { blocked: false };
  return { blocked: true, retryAt: new Date(Math.max(...retryAt.map((d) => d.getTime()))) };
}

/** Called for every checked password (not for attempts refused by the throttle, so waiting is enough). */
export async function recordLoginAttempt(db: Db, email: string, clientIp: string, success: boolean, now = new Date()): Promise<void> {
  await db.loginAttempt.create({ data: { email, clientIp, success, createdAt: now } });
}
