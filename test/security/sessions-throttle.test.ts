// Issue 12 items 4 and 5 against a real PostgreSQL with every migration applied: throttling
// slows an attacker without locking the owner out, and the session version moves whenever a
// session must end.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { checkLoginThrottle, FIRST_DELAY_MS, FREE_FAILURES_PER_ACCOUNT_IP, FREE_FAILURES_PER_IP, MAX_DELAY_MS, recordLoginAttempt } from "@/lib/login-throttle";
import type { Db } from "@/lib/db";
import { freshDatabase, type FreshDatabase } from "../support/database";

let t: FreshDatabase;
let db: Db;

before(async () => {
  t = await freshDatabase();
  db = t.db;
});

after(async () => {
  await t?.stop();
});

const ATTACKER = "203.0.113.66";
const OWNER_IP = "198.51.100.10";
const t0 = new Date("2030-01-01T12:00:00Z");
const plus = (ms: number) => new Date(t0.getTime() + ms);

describe("login throttle", () => {
  it("a stranger's failures slow the stranger, never the owner on their own address", async () => {
    const email = "admin@example.test";
    // The attacker burns through the free failures and then some, each as soon as allowed.
    let now = t0;
    for (let i = 0; i < FREE_FAILURES_PER_ACCOUNT_IP + 3; i++) {
      const state = await checkLoginThrottle(db, email, ATTACKER, now);
      if (state.blocked) now = state.retryAt;
      await recordLoginAttempt(db, email, ATTACKER, false, now);
    }
    const blocked = await checkLoginThrottle(db, email, ATTACKER, now);
    assert.ok(blocked.blocked, "the attacker waits");
    // 5 free, then 30 s, 60 s, 120 s after the newest failure: the waits grow.
    assert.equal(blocked.blocked && blocked.retryAt.getTime() - now.getTime(), 8 * FIRST_DELAY_MS);
    // The owner, from their own address, at the same moment: not blocked.
    assert.deepEqual(await checkLoginThrottle(db, email, OWNER_IP, now), { blocked: false });
    // Waiting is enough for the attacker too (no permanent lock).
    assert.deepEqual(await checkLoginThrottle(db, email, ATTACKER, blocked.blocked ? blocked.retryAt : now), { blocked: false });
  });

  it("the owner's success from an address starts that address's count over", async () => {
    const email = "op@example.test";
    const ip = "192.0.2.5";
    for (let i = 0; i < FREE_FAILURES_PER_ACCOUNT_IP; i++) await recordLoginAttempt(db, email, ip, false, plus(i));
    assert.ok((await checkLoginThrottle(db, email, ip, plus(10))).blocked);
    await recordLoginAttempt(db, email, ip, true, plus(FIRST_DELAY_MS + 10));
    assert.deepEqual(await checkLoginThrottle(db, email, ip, plus(FIRST_DELAY_MS + 20)), { blocked: false });
  });

  it("one address trying many accounts is slowed per address", async () => {
    const ip = "192.0.2.77";
    for (let i = 0; i < FREE_FAILURES_PER_IP; i++) await recordLoginAttempt(db, `user${i}@example.test`, ip, false, plus(i));
    const state = await checkLoginThrottle(db, "fresh@example.test", ip, plus(100));
    assert.ok(state.blocked);
    assert.ok(state.blocked && state.retryAt.getTime() - plus(FREE_FAILURES_PER_IP - 1).getTime() <= MAX_DELAY_MS);
    assert.deepEqual(await checkLoginThrottle(db, "fresh@example.test", "192.0.2.78", plus(100)), { blocked: false });
  });
});

describe("session version", () => {
  it("moves on a new password, another role, disable and enable — not on a profile edit", async () => {
    const u = await db.user.create({ data: { email: "sv@example.test", name: "SV", passwordHash: "h1", role: "OPERATOR" } });
    assert.equal(u.sessionVersion, 0);
    const version = async () => (await db.user.findUniqueOrThrow({ where: { id: u.id } })).sessionVersion;
    await db.user.update({ where: { id: u.id }, data: { name: "Renamed", locale: "en", timeZone: "UTC" } });
    assert.equal(await version(), 0);
    await db.user.update({ where: { id: u.id }, data: { passwordHash: "h2" } });
    assert.equal(await version(), 1);
    await db.user.update({ where: { id: u.id }, data: { role: "MANAGER" } });
    assert.equal(await version(), 2);
    await db.user.update({ where: { id: u.id }, data: { disabled: true } });
    await db.user.update({ where: { id: u.id }, data: { disabled: false } });
    assert.equal(await version(), 4);
    // Raw SQL (scripts, psql) is covered too.
    await db.$executeRaw`UPDATE "User" SET "passwordHash" = 'h3' WHERE id = ${u.id}`;
    assert.equal(await version(), 5);
  });
});
