// Signatures. Every delivery carries
//   X-Graylane-Timestamp: <unix seconds>
//   X-Graylane-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// The timestamp is inside the signed text, so a receiver that refuses timestamps older than a
// few minutes refuses replays. Feishu/Lark and DingTalk robots have their own optional "sign"
// schemes (a keyed hash of the timestamp and the robot's secret), implemented as they document.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-graylane-signature";
export const TIMESTAMP_HEADER = "x-graylane-timestamp";

/** A new webhook secret: 32 random bytes, "whsec_" + base64url. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute, compare in constant time, refuse stale timestamps.
 * Exported for the tests and as the reference for receivers (README).
 */
export function verifySignature(secret: string, body: string, headers: { signature?: string | null; timestamp?: string | null }, opts: { now?: number; toleranceSeconds?: number } = {}): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return false;
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signBody(secret, ts, body));
  const got = Buffer.from(headers.signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}

/** Feishu/Lark custom bot: HMAC-SHA256 keyed with "<seconds>\n<secret>" over nothing, base64. */
export function feishuSign(secret: string, seconds: number): string {
  return createHmac("sha256", `${seconds}\n${secret}`).update("").digest("base64");
}

/** DingTalk robot: HMAC-SHA256 keyed with the secret over "<milliseconds>\n<secret>", base64 (URL-encoded by the caller). */
export function dingtalkSign(secret: string, millis: number): string {
  return createHmac("sha256", secret).update(`${millis}\n${secret}`).digest("base64");
}
