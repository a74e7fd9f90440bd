// The demo's embedded database (issue 12 item 9): a password on the socket, owner-only files,
// loopback only. Runs PGlite for real; no build needed.
import assert from "node:assert/strict";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { migrateDeploy, startEmbeddedPostgres, type EmbeddedPostgres } from "../../scripts/lib/database";

const dir = mkdtempSync(path.join(os.tmpdir(), "graylane-pgsec-"));
const dataDir = path.join(dir, "pgdata");
const password = "right-password-123";
let db: EmbeddedPostgres;
let port = 0;

/** Every path under `root` whose mode gives group/other any access, or a directory not 0700. */
function looseModes(root: string): string[] {
  const bad: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isDirectory()) {
      if ((st.mode & 0o777) !== 0o700) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
      for (const n of readdirSync(p)) walk(path.join(p, n));
    } else if (st.mode & 0o077) bad.push(`${p} ${(st.mode & 0o777).toString(8)}`);
  };
  walk(root);
  return bad;
}

async function connect(user: string, pw: string | undefined, host = "127.0.0.1"): Promise<string> {
  const client = new pg.Client({ host, port, user, password: pw, database: "postgres", connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const r = await client.query<{ one: number }>("select 1 as one");
    return `ok ${r.rows[0].one}`;
  } catch (e) {
    return `refused ${(e as { code?: string }).code ?? ""} ${(e as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

before(async () => {
  // A data dir left by an older demo: world-writable directory and files.
  mkdirSync(dataDir, { recursive: true });
  chmodSync(dataDir, 0o777);
  writeFileSync(path.join(dataDir, "leftover.conf"), "x");
  chmodSync(path.join(dataDir, "leftover.conf"), 0o666);
  db = await startEmbeddedPostgres({ dataDir, password });
  port = Number(new URL(db.url).port);
});

after(async () => {
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("embedded database", () => {
  it("refuses a wrong or missing password and accepts the right one (the URL carries it)", async () => {
    assert.match(await connect("postgres", "wrong-password"), /^refused 28P01 password authentication failed/);
    assert.match(await connect("anyone", "wrong-password"), /^refused 28P01/);
    assert.match(await connect("postgres", undefined), /^refused/);
    assert.equal(await connect("postgres", password), "ok 1");
    assert.equal(decodeURIComponent(new URL(db.url).password), password);
    assert.equal(db.env.DATABASE_URL, db.url);
    // The real CLI and Prisma work through the gate.
    await migrateDeploy(db.url);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      assert.deepEqual((await client.query(`SELECT count(*)::int AS n FROM "User"`)).rows, [{ n: 0 }]);
    } finally {
      await client.end();
    }
  });

  it("listens on 127.0.0.1 only", async () => {
    const other = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    for (const host of ["127.0.0.2", ...(other ? [other] : [])]) {
      const err = await new Promise<string>((resolve) => {
        const s = net.connect({ host, port }, () => {
          s.destroy();
          resolve("connected");
        });
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      assert.equal(err, "ECONNREFUSED", `${host}:${port}`);
    }
  });

  it("keeps the data directory owner-only (0700 directories, 0600 files), including an older one", async () => {
    assert.deepEqual(looseModes(dataDir), []);
    assert.equal(lstatSync(path.join(dataDir, "leftover.conf")).mode & 0o777, 0o600);
    await db.stop();
    assert.deepEqual(looseModes(dataDir), []);
    // Restart on the same data: still the same password, still private.
    db = await startEmbeddedPostgres({ dataDir, password });
    port = Number(new URL(db.url).port);
    assert.equal(await connect("postgres", password), "ok 1");
    assert.match(await connect("postgres", "nope"), /^refused 28P01/);
  });
});
