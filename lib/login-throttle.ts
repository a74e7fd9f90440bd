import { db } from "@/lib/db";

// Failed-login throttling, stored in LoginAttempt so it holds across portal processes.
// After MAX_PER_EMAIL failures for one email (since its last success) or MAX_PER_IP
// failures from one address within WINDOW, every attempt is refused — even with the
// right password — until the oldest counted failure leaves the window.

export const THROTTLE_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_EMAIL = 5;
export const MAX_FAILURES_PER_IP = 20;

export type ThrottleState = { blocked: false } | { blocked: true; retryAt: Date };

/** When the limit is reached: the time the `limit`-th most recent failure leaves the window. */
export function retryAtFrom(failureTimes: Date[], limit: number, windowMs: number): Date | null {
  if (failureTimes.length < limit) return null;
  const sorted = [...failureTimes].sort((a, b) => b.getTime() - a.getTime());
  return new Date(sorted[limit - 1].getTime() + windowMs);
}

export async function checkLoginThrottle(email: string, clientIp: string, now = new Date()): Promise<ThrottleState> {
  const since = new Date(now.getTime() - THROTTLE_WINDOW_MS);
  const lastSuccess = await db.loginAttempt.findFirst({
    where: { email, success: true, createdAt: { gte: since } },
    orderBy: { createdAt: "desc" },
    select: { createdAt: true },
  });
  const emailFailures = await db.loginAttempt.findMany({
    where: { email, success: false, createdAt: { gte: lastSuccess?.createdAt ?? since } },
    orderBy: { createdAt: "desc" },
    take: MAX_FAILURES_PER_EMAIL,
    select: { createdAt: true },
  });
  const ipFailures = clientIp
    ? await db.loginAttempt.findMany({
        where: { clientIp, success: false, createdAt: { gte: since } },
        orderBy: { createdAt: "desc" },
        take: MAX_FAILURES_PER_IP,
        select: { createdAt: true },
      })
    : [];
  const candidates = [
    retryAtFrom(emailFailures.map((a) => a.createdAt), MAX_FAILURES_PER_EMAIL, THROTTLE_WINDOW_MS),
    retryAtFrom(ipFailures.map((a) => a.createdAt), MAX_FAILURES_PER_IP, THROTTLE_WINDOW_MS),
  ].filter((d): d is Date => d !== null && d > now);
  if (candidates.length === 0) return { blocked: false };
  return { blocked: true, retryAt: new Date(Math.max(...candidates.map((d) => d.getTime()))) };
}

export async function recordLoginAttempt(email: string, clientIp: string, success: boolean): Promise<void> {
  await db.loginAttempt.create({ data: { email, clientIp, success } });
}
