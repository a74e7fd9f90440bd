import assert from "node:assert/strict";
import { test } from "node:test";
import { invalidateShared, sharedRead } from "./shared-read";

test("concurrent callers share one read; the value is reused until the TTL passes", async () => {
  let clock = 1000;
  let reads = 0;
  const read = async () => {
    reads++;
    await new Promise((r) => setTimeout(r, 5));
    return reads;
  };
  const key = `t1-${Math.random()}`;
  const all = await Promise.all(Array.from({ length: 50 }, () => sharedRead(key, 1000, read, () => clock)));
  assert.equal(reads, 1);
  assert.deepEqual(new Set(all), new Set([1]));
  clock += 500;
  assert.equal(await sharedRead(key, 1000, read, () => clock), 1);
  clock += 600;
  assert.equal(await sharedRead(key, 1000, read, () => clock), 2);
  assert.equal(reads, 2);
});

test("a failed read is not cached, and invalidation forces a new read", async () => {
  const key = `t2-${Math.random()}`;
  let n = 0;
  await assert.rejects(sharedRead(key, 10_000, async () => {
    n++;
    throw new Error("down");
  }));
  assert.equal(await sharedRead(key, 10_000, async () => ++n), 2);
  assert.equal(await sharedRead(key, 10_000, async () => ++n), 2);
  invalidateShared(key);
  assert.equal(await sharedRead(key, 10_000, async () => ++n), 3);
  invalidateShared(key.slice(0, 3), { prefix: true });
  assert.equal(await sharedRead(key, 10_000, async () => ++n), 4);
});

test("a read that was invalidated while in flight does not store its (stale) value", async () => {
  const key = `t3-${Math.random()}`;
  let release!: () => void;
  const slow = sharedRead(key, 10_000, () => new Promise<string>((r) => (release = () => r("old"))));
  invalidateShared(key);
  release();
  assert.equal(await slow, "old");
  assert.equal(await sharedRead(key, 10_000, async () => "new"), "new");
});
