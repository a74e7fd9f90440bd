// Tester links: a URL on a gateway's proxy that sets the signed tester cookie
// (lua/graylane/tester.lua). Value "<service>.<expiryUnix>.<hex HMAC-SHA256>", the HMAC over
// "<service>.<expiryUnix>.<cookie name>" with GRAYLANE_TESTER_KEY, which portal and gateways
// share. The cookie name is the release's (new per release and per renewed link), and the
// gateways check against the name in the current gray rule: an earlier link or cookie stops
// working when the release ends or the link is renewed.

import { createHmac } from "node:crypto";
import { AppError } from "@/lib/errors";
import { MAX_TESTER_HOURS } from "./plan";

/**
 * False when GRAYLANE_TESTER_KEY is unset (allowed outside production, see lib/startup-check.ts):
 * releases then run without tester links and the release page says why.
 */
export function hasTesterKey(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.GRAYLANE_TESTER_KEY?.trim());
}

export function testerKey(env: NodeJS.ProcessEnv = process.env): string {
  const key = env.GRAYLANE_TESTER_KEY?.trim();
  if (!key) {
    throw new AppError("internal", "GRAYLANE_TESTER_KEY is not set: tester links need the key the gateways use", {
      params: { variable: "GRAYLANE_TESTER_KEY" },
    });
  }
  return key;
}

export function signTester(key: string, service: string, expUnix: number, cookieName: string): string {
  return createHmac("sha256", key).update(`${service}.${expUnix}.${cookieName}`).digest("hex");
}

/** The value the gateway accepts under `cookieName` for `service` until `expUnix`, while its gray rule names that cookie. */
export function testerCookieValue(key: string, service: string, expUnix: number, cookieName: string): string {
  return `${service}.${expUnix}.${signTester(key, service, expUnix, cookieName)}`;
}

/** Expiry for a link made now, capped at 24 h (the gateway refuses more). */
export function testerExpiry(hours: number, now = Date.now()): Date {
  const h = Math.min(Math.max(hours, 0.25), MAX_TESTER_HOURS);
  return new Date(Math.floor((now + h * 3600_000) / 1000) * 1000);
}

/**
 * Where clients reach a gateway: its configured proxy URL, else the admin URL's host on
 * the default HTTP port (the admin API listens on its own port, usually 6000).
 */
export function proxyBase(g: { adminUrl: string; proxyUrl?: string | null }): string {
  if (g.proxyUrl) return g.proxyUrl.replace(/\/+$/, "");
  try {
    const u = new URL(g.adminUrl);
    return `${u.protocol}//${u.hostname.includes(":") && !u.hostname.startsWith("[") ? `[${u.hostname}]` : u.hostname}`;
  } catch {
    return g.adminUrl.replace(/\/+$/, "");
  }
}

export type TesterLink = { gatewayName: string; enter: string; leave: string };

/** Links to `service` until `expires`, valid while its gray rule names `cookieName` (the release's tester cookie). */
export function testerLinks(
  key: string,
  service: string,
  expires: Date,
  cookieName: string,
  gateways: readonly { name: string; adminUrl: string; proxyUrl?: string | null }[],
): TesterLink[] {
  const exp = Math.floor(expires.getTime() / 1000);
  const sig = signTester(key, service, exp, cookieName);
  const q = new URLSearchParams({ service, exp: String(exp), sig }).toString();
  return gateways.map((g) => {
    const base = proxyBase(g);
    return {
      gatewayName: g.name,
      enter: `${base}/__graylane/tester?${q}`,
      leave: `${base}/__graylane/leave?${new URLSearchParams({ service }).toString()}`,
    };
  });
}
