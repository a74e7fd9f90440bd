import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { decrypt, encrypt, parseSecretKey } from "./crypto";

const key = randomBytes(32);

describe("gateway token encryption", () => {
  it("round-trips, with a fresh IV each time", () => {
    const a = encrypt("s3cret-token", key);
    const b = encrypt("s3cret-token", key);
    assert.notEqual(a, b);
    assert.ok(!a.includes("s3cret"));
    assert.equal(decrypt(a, key), "s3cret-token");
    assert.equal(decrypt(encrypt("", key), key), "");
    assert.equal(decrypt(encrypt("令牌✓", key), key), "令牌✓");
  });

  it("detects tampering and a wrong key", () => {
    const stored = encrypt("s3cret-token", key);
    const [v, iv, tag, body] = stored.split(".");
    const flipped = Buffer.from(body, "base64url");
    flipped[0] ^= 1;
    assert.throws(() => decrypt([v, iv, tag, flipped.toString("base64url")].join("."), key), /authentication failed/);
    const badTag = Buffer.from(tag, "base64url");
    badTag[3] ^= 0x80;
    assert.throws(() => decrypt([v, iv, badTag.toString("base64url"), body].join("."), key), /authentication failed/);
    assert.throws(() => decrypt(stored, randomBytes(32)), /authentication failed/);
    assert.throws(() => decrypt("plain-token", key), /not a v1 ciphertext/);
  });

  it("accepts a 32-byte key as hex or base64 and explains a bad one", () => {
    const raw = randomBytes(32);
    assert.deepEqual(parseSecretKey(raw.toString("hex")), raw);
    assert.deepEqual(parseSecretKey(raw.toString("base64")), raw);
    assert.deepEqual(parseSecretKey(raw.toString("base64url")), raw);
    assert.throws(() => parseSecretKey(undefined), /GRAYLANE_SECRET_KEY is not set/);
    assert.throws(() => parseSecretKey("  "), /GRAYLANE_SECRET_KEY is not set/);
    assert.throws(() => parseSecretKey(randomBytes(16).toString("hex")), /must be 32 bytes/);
    assert.throws(() => parseSecretKey("not a key!"), /must be 32 bytes/);
  });
});
