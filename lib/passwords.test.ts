import assert from "node:assert/strict";
import { test } from "node:test";

import { generatePassword, hashPassword, verifyPassword } from "./passwords";

test("hashPassword produces argon2id hashes that verifyPassword accepts", async () => {
  const hash = await hashPassword("s3cret passphrase");
  assert.match(hash, /^\$argon2id\$v=19\$/);
  assert.equal(await verifyPassword(hash, "s3cret passphrase"), true);
  assert.equal(await verifyPassword(hash, "s3cret passphrasE"), false);
  assert.notEqual(await hashPassword("s3cret passphrase"), hash, "salted");
});

test("verifyPassword is false for a value that is not a hash", async () => {
  assert.equal(await verifyPassword("not-a-hash", "x"), false);
});

test("hashPassword refuses an empty password", async () => {
  await assert.rejects(hashPassword(""), /password must not be empty/);
});

test("generatePassword is readable, long and random", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const password = generatePassword();
    assert.match(password, /^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
    assert.ok(password.length >= 16);
    seen.add(password);
  }
  assert.equal(seen.size, 50);
});
