import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { hashSecretToken, lastUsedDue, secretTokenKind, tokenCreated, tokenRevoked } from "./secret-tokens";

describe("secret tokens", () => {
  const kind = secretTokenKind("glt_");

  it("makes 256-bit tokens behind the kind's prefix and keeps only the SHA-256 and a 12-character prefix", () => {
    const a = kind.generate();
    const b = kind.generate();
    assert.match(a, /^glt_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    const stored = kind.stored(a);
    assert.equal(stored.prefix, a.slice(0, 12));
    assert.equal(stored.tokenHash, createHash("sha256").update(a).digest("hex"));
    assert.equal(hashSecretToken(a), stored.tokenHash);
  });

  it("reads a bearer value: the token, \"\" for none, null for another kind or an overlong value", () => {
    const t = kind.generate();
    assert.equal(kind.fromBearer(`Bearer ${t}`), t);
    assert.equal(kind.fromBearer(`bearer   ${t} `), t);
    assert.equal(kind.fromBearer(t), t);
    for (const none of [null, undefined, "", "Bearer ", "   "]) assert.equal(kind.fromBearer(none), "", String(none));
    assert.equal(kind.fromBearer(`Bearer gle_${t.slice(4)}`), null);
    assert.equal(kind.fromBearer(`glt_${"x".repeat(197)}`), null);
    assert.equal(kind.fromBearer(`glt_${"x".repeat(196)}`), `glt_${"x".repeat(196)}`);
  });

  it("writes lastUsedAt at most once a minute", () => {
    const now = new Date("2026-11-30T09:00:00Z");
    assert.equal(lastUsedDue(null, now), true);
    assert.equal(lastUsedDue(new Date(now.getTime() - 59_999), now), false);
    assert.equal(lastUsedDue(new Date(now.getTime() - 60_000), now), true);
  });

  it("audits creation and revocation by name and prefix, never the token", () => {
    const row = { name: "ci", prefix: "glt_abcdefgh", expiresAt: new Date("2027-01-01T00:00:00Z") };
    assert.deepEqual(tokenCreated("api_token", row), {
      action: "api_token.create",
      targetType: "api_token",
      targetName: "ci (glt_abcdefgh…)",
      before: null,
      after: { name: "ci", prefix: "glt_abcdefgh", expiresAt: "2027-01-01T00:00:00.000Z" },
    });
    assert.deepEqual(tokenRevoked("enroll_token", { ...row, expiresAt: null }), {
      action: "enroll_token.revoke",
      targetType: "enroll_token",
      targetName: "ci (glt_abcdefgh…)",
      before: { name: "ci", prefix: "glt_abcdefgh" },
      after: null,
    });
  });
});
