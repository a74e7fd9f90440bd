// `npm run demo` without DATABASE_URL: the production portal on the embedded PGlite database,
// which serves ONE connection. Sign-in, pages and the background loops (release analyzer,
// reconciler) must share it. Needs the production build (`npm run build`).
import "../support/audit-env"; // the portal started here signs its audit log with this key
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { migrateDeploy, startEmbeddedPostgres, type EmbeddedPostgres } from "../../scripts/lib/database";
import { signIn, type PortalHandle } from "../../scripts/lib/portal";
import { runSeed } from "../support/database";
import { startTestPortal } from "../support/portal";

const dir = mkdtempSync(path.join(os.tmpdir(), "graylane-embedded-"));
const email = "admin@embedded.test";
const password = `pw-${randomBytes(9).toString("base64url")}`;
let pg: EmbeddedPostgres;
let portal: PortalHandle;

before(async () => {
  pg = await startEmbeddedPostgres({ dataDir: path.join(dir, "pgdata") });
  await migrateDeploy(pg.url);
  // The seed runs in its own process and disconnects: the portal gets the only connection.
  await runSeed(pg.url, { users: [{ email, name: "Embedded", role: "ADMIN", password }] }, pg.env);
  portal = await startTestPortal({
    dir,
    env: {
      ...pg.env,
      // Busy background loops, so they compete with requests for the connection.
      GRAYLANE_ANALYZE_INTERVAL_MS: "300",
      GRAYLANE_RECONCILE_INTERVAL_MS: "300",
    },
  });
}, { timeout: 240_000 });

after(async () => {
  await portal?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("sign-in and pages work while the background loops use the single connection", async () => {
  await new Promise((r) => setTimeout(r, 1500)); // let both loops tick a few times
  for (let round = 0; round < 3; round++) {
    const cookie = await signIn(portal.url, email, password);
    for (const page of ["/services", "/audit", "/releases", "/gateways"]) {
      const res = await fetch(`${portal.url}${page}`, { headers: { cookie }, redirect: "manual" });
      assert.equal(res.status, 200, `${page}: HTTP ${res.status}`);
      await res.arrayBuffer();
    }
  }
  const log = readFileSync(portal.logFile, "utf8");
  assert.doesNotMatch(log, /Connection terminated|connection.*refused|db_failed/i, "portal log shows database connection failures");
});
