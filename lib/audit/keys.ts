// The audit key: the secret that makes the audit chain and the checkpoints unforgeable by
// anyone who can write the database but does not hold it (issue 11).
//
//   GRAYLANE_AUDIT_KEY       32 random bytes as 64 hex characters or base64. Never stored in
//                            the database. Required in production (lib/startup-check.ts).
//   GRAYLANE_AUDIT_KEYS_OLD  retired keys, comma-separated, same format: kept only so that
//                            events and checkpoints signed before a rotation still verify.
//
// Each event stores the id of the key that signed it (`keyId`): the first 16 hex characters
// of HMAC-SHA256(key, "graylane audit key id"), which names a key without revealing it.
//
// Outside production, with no GRAYLANE_AUDIT_KEY, the key is derived (HKDF) from
// GRAYLANE_SECRET_KEY, which every development and test setup already sets and which is
// not in the database either. Production never derives: it must be set on its own, so the
// gateway-token key and the audit key can be rotated and kept apart.
// No "server-only": scripts/db.ts and the test fixtures use this from plain Node.
import { createHmac, hkdfSync } from "node:crypto";

const KEY_BYTES = 32;

export type AuditKey = { id: string; key: Buffer };
export type AuditKeyring = {
  /** The key new events and checkpoints are signed with. */
  current: AuditKey;
  /** Every key that verifies: the current one and the retired ones, by id. */
  byId: ReadonlyMap<string, Buffer>;
  /** How the current key was obtained (for logs and the CLI; never the key itself). */
  source: "GRAYLANE_AUDIT_KEY" | "derived from GRAYLANE_SECRET_KEY";
};

export class AuditKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditKeyError";
  }
}

const HOW = "Generate one with `openssl rand -hex 32` and keep it outside the database (see README, Audit integrity).";

function parseKey(raw: string, name: string): Buffer {
  const value = raw.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, "hex");
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) key = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (!key || key.length !== KEY_BYTES) {
    throw new AuditKeyError(`${name} must be 32 bytes as 64 hex characters or base64 (got ${key ? `${key.length} bytes` : `${value.length} unreadable characters`}). ${HOW}`);
  }
  return key;
}

export function auditKeyId(key: Buffer): string {
  return createHmac("sha256", key).update("graylane audit key id").digest("hex").slice(0, 16);
}

function deriveFromSecretKey(raw: string): Buffer {
  const secret = parseKey(raw, "GRAYLANE_SECRET_KEY");
  return Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), "graylane audit chain v1", KEY_BYTES));
}

/** Reads the keyring from `env`; throws an AuditKeyError that says how to fix it. */
export function loadAuditKeyring(env: Record<string, string | undefined> = process.env): AuditKeyring {
  let current: Buffer;
  let source: AuditKeyring["source"];
  if (env.GRAYLANE_AUDIT_KEY?.trim()) {
    current = parseKey(env.GRAYLANE_AUDIT_KEY, "GRAYLANE_AUDIT_KEY");
    source = "GRAYLANE_AUDIT_KEY";
  } else if (env.NODE_ENV !== "production" && env.GRAYLANE_SECRET_KEY?.trim()) {
    current = deriveFromSecretKey(env.GRAYLANE_SECRET_KEY);
    source = "derived from GRAYLANE_SECRET_KEY";
  } else {
    throw new AuditKeyError(`GRAYLANE_AUDIT_KEY is not set. It signs the audit chain and its checkpoints. ${HOW}`);
  }
  const byId = new Map<string, Buffer>();
  const old = (env.GRAYLANE_AUDIT_KEYS_OLD ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  old.forEach((raw, i) => {
    const key = parseKey(raw, `GRAYLANE_AUDIT_KEYS_OLD (entry ${i + 1})`);
    byId.set(auditKeyId(key), key);
  });
  const id = auditKeyId(current);
  byId.set(id, current);
  return { current: { id, key: current }, byId, source };
}

let cached: { signature: string; ring: AuditKeyring } | undefined;

/** loadAuditKeyring(process.env), parsed once per distinct value. */
export function auditKeyring(): AuditKeyring {
  const env = process.env;
  const signature = [env.GRAYLANE_AUDIT_KEY, env.GRAYLANE_AUDIT_KEYS_OLD, env.GRAYLANE_SECRET_KEY, env.NODE_ENV].join("\0");
  if (cached?.signature !== signature) cached = { signature, ring: loadAuditKeyring(env) };
  return cached.ring;
}

export function hmacHex(key: Buffer, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}
