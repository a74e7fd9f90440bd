// The analyzer loop: with several portal processes, a PostgreSQL advisory lock lets exactly
// one analyze; when it stops, another takes over.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { freshDatabase } from "../support/database";
import { sleep } from "./helpers";

let drop: () => Promise<void>;
let url: string;

before(async () => {
  const t = await freshDatabase();
  url = t.url;
  drop = t.stop;
  process.env.DATABASE_URL = url;
});

after(async () => {
  const { db } = await import("@/lib/db");
  await db.$disconnect();
  await drop?.();
});

async function until(fn: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fn()) return true;
    await sleep(50);
  }
  return fn();
}

it("one leader at a time, and a takeover when it stops", async () => {
  const { startReleaseAnalyzer } = await import("@/lib/releases/runner");
  const a = startReleaseAnalyzer({ databaseUrl: url, intervalMs: 100 });
  const b = startReleaseAnalyzer({ databaseUrl: url, intervalMs: 100 });
  try {
    assert.ok(await until(() => a.isLeader() || b.isLeader()), "someone leads");
    await sleep(500);
    assert.equal(Number(a.isLeader()) + Number(b.isLeader()), 1, "exactly one leads");
    const [leader, other] = a.isLeader() ? [a, b] : [b, a];
    await leader.stop();
    assert.ok(await until(() => other.isLeader()), "the other takes over");
  } finally {
    await a.stop();
    await b.stop();
  }
});
