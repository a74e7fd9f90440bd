// Encryption at rest for gateway admin tokens: AES-256-GCM with a key from
// GRAYLANE_SECRET_KEY (32 bytes, as 64 hex characters or base64). The stored form is
// "v1.<iv>.<tag>.<ciphertext>" (base64url); GCM's tag makes any tampering fail loudly.
// No "server-only" import: the test fixtures use this from plain Node.

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const ALGORITHM = "aes-256-gcm";
const VERSION = "v1";
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretKeyError";
  }
}

/** Parses a 32-byte key given as hex or base64; throws a SecretKeyError that says how to fix it. */
export function parseSecretKey(value: string | undefined): Buffer {
  const raw = value?.trim();
  if (!raw) {
    throw new SecretKeyError(
      "GRAYLANE_SECRET_KEY is not set. It encrypts gateway tokens at rest: set it to 32 random bytes, e.g. `openssl rand -hex 32`.",
    );
  }
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(raw)) key = Buffer.from(raw, "hex");
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) key = Buffer.from(raw.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (!key || key.length !== KEY_BYTES) {
    throw new SecretKeyError(
      `GRAYLANE_SECRET_KEY must be 32 bytes as 64 hex characters or base64 (got ${key ? key.length : "an unreadable value of"} ${key ? "bytes" : raw.length + " characters"}). Generate one with \`openssl rand -hex 32\`.`,
    );
  }
  return key;
}

let cachedKey: { source: string; key: Buffer } | undefined;

function envKey(): Buffer {
  const source = process.env.GRAYLANE_SECRET_KEY ?? "";
  if (cachedKey?.source !== source) cachedKey = { source, key: parseSecretKey(source) };
  return cachedKey.key;
}

export function encrypt(plaintext: string, key: Buffer = envKey()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64url"), tag.toString("base64url"), body.toString("base64url")].join(".");
}

/** Throws when the value was altered, was made with another key, or is not ours. */
export function decrypt(stored: string, key: Buffer = envKey()): string {
  const parts = stored.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error("decrypt: not a v1 ciphertext");
  const [, iv, tag, body] = parts.map((p) => Buffer.from(p, "base64url"));
  if (iv.length !== IV_BYTES || tag.length !== 16) throw new Error("decrypt: malformed ciphertext");
  const decipher = createDecipheriv(ALGORITHM, key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8");
  } catch {
    throw new Error("decrypt: authentication failed (tampered value or wrong GRAYLANE_SECRET_KEY)");
  }
}

/** Fails at start-up instead of at the first gateway call. */
export function assertSecretKeyConfigured(): void {
  envKey();
}
