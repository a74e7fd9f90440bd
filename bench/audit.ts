// `npm run bench:audit`: the audit history page with 1,000,000 events, and the
// verification of all of them.
//
// Seeds a scratch database (lib/audit/seed.ts: one INSERT … SELECT generate_series), gives
// the seeded rows the unkeyed hash chain of an installation from before the keyed chain
// and re-anchors them under a fresh audit key (chainSeededEvents, ensureReanchored), times
// `verify-audit` over the whole log (--skip-verify skips it), starts the production portal on it, signs a MANAGER
// session cookie, and measures the server render of /audit for several filter
// combinations: N sequential requests each after a warm-up, p50/p95/max of the full
// response time (HTML streamed to the end). Target: p95 < 200 ms for every filtered page.
//
//   npm run bench:audit -- [--events 1000000] [--requests 50] [--warmup 5]
//     [--db postgres://…/existing_seeded_db] [--keep] [--markdown]
// --keep leaves the scratch database for another run (--db <its url>, printed at the end).
import { randomBytes } from "node:crypto";
import http from "node:http";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { encode } from "next-auth/jwt";
import pg from "pg";
import { ensureReanchored } from "../lib/audit/chain";
import { chainSeededEvents, SEED_RARE_WORD, seedAuditEvents } from "../lib/audit/seed";
import { verifyAuditChain } from "../lib/audit/verify";
import { createDbClient } from "../lib/db";
import { ensurePostgresServer } from "../scripts/lib/database";
import { freshDatabase } from "../test/support/database";
import { portalKeys, startTestPortal, type TestPortal } from "../test/support/portal";

const { values: args } = parseArgs({
  options: {
    events: { type: "string", default: process.env.BENCH_EVENTS ?? "1000000" },
    requests: { type: "string", default: process.env.BENCH_REQUESTS ?? "50" },
    warmup: { type: "string", default: process.env.BENCH_WARMUP ?? "5" },
    db: { type: "string" },
    keep: { type: "boolean", default: false },
    "skip-verify": { type: "boolean", default: false },
    markdown: { type: "boolean", default: false },
  },
});
const EVENTS = Number(args.events);
const REQUESTS = Number(args.requests);
const WARMUP = Number(args.warmup);
const TARGET_P95_MS = 200;
const MANAGER_ID = "bench-manager";
// The key this run signs with (the portal started below inherits it) and a scratch checkpoint folder.
process.env.GRAYLANE_AUDIT_KEY ??= randomBytes(32).toString("hex");
process.env.GRAYLANE_AUDIT_CHECKPOINT_DIR ??= mkdtempSync(path.join(os.tmpdir(), "graylane-bench-checkpoints-"));

function get(url: string, cookie: string): Promise<{ status: number; ms: number; body: string }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { cookie, "accept-language": "en" }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - t0) / 1e6, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main(): Promise<void> {
  await ensurePostgresServer(); // also when --db names a database on it
  let url = args.db;
  let drop: (() => Promise<void>) | undefined;
  if (!url) {
    const scratch = await freshDatabase({ prefix: "graylane_bench" });
    url = scratch.url;
    drop = scratch.stop;
  }
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  let portal: TestPortal | undefined;
  try {
    const existing = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "AuditEvent"`)).rows[0].n);
    if (existing < EVENTS) {
      const t0 = Date.now();
      await seedAuditEvents(sql, EVENTS - existing, {
        rebuildIndexes: true,
        onProgress: (n) => console.error(`seed: ${n.toLocaleString("en")} events (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
      });
      console.error(`seed: ${(EVENTS - existing).toLocaleString("en")} events + outcomes + indexes in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    let verify: { events: number; ms: number; ok: boolean } | null = null;
    if (!args["skip-verify"]) {
      const db = createDbClient(url);
      try {
        const t0 = Date.now();
        const chained = await chainSeededEvents(sql, db, {
          onProgress: (n) => n % 100_000 === 0 && console.error(`chain: ${n.toLocaleString("en")} events (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
        });
        if (chained) console.error(`chain: ${chained.toLocaleString("en")} seeded events hashed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        const anchor = await ensureReanchored(db);
        if (anchor !== null) console.error(`chain: re-anchored at event ${anchor}`);
        const t1 = Date.now();
        let shown = 0;
        const report = await verifyAuditChain(db, {
          onProgress: ({ checked, total }) => {
            if (checked - shown < 100_000) return;
            shown = checked;
            console.error(`verify: ${checked.toLocaleString("en")} / ${total.toLocaleString("en")} events (${((Date.now() - t1) / 1000).toFixed(0)} s)`);
          },
        });
        verify = { events: report.checked, ms: Date.now() - t1, ok: report.ok };
        const state = report.ok ? "intact" : `BROKEN at ${report.brokenAt} (${report.code})`;
        console.error(`verify: ${state}, ${report.checked.toLocaleString("en")} events in ${(verify.ms / 1000).toFixed(1)} s`);
      } finally {
        await db.$disconnect();
      }
    }
    const total = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "AuditEvent"`)).rows[0].n);
    const outcomes = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "AuditOutcome"`)).rows[0].n);
    await sql.query(
      `INSERT INTO "User" ("id", "email", "name", "passwordHash", "role", "updatedAt")
       VALUES ($1, 'manager@bench.graylane.test', 'Bench Manager', 'not-a-password-hash', 'MANAGER', now()) ON CONFLICT DO NOTHING`,
      [MANAGER_ID],
    );
    const ids = (await sql.query<{ min: string; max: string; mid_at: Date }>(
      `SELECT min(id)::text AS min, max(id)::text AS max, (SELECT "createdAt" FROM "AuditEvent" WHERE id = (min(e.id) + max(e.id)) / 2) AS mid_at FROM "AuditEvent" e`,
    )).rows[0];
    const midId = ((BigInt(ids.min) + BigInt(ids.max)) / 2n).toString();
    const midAt = new Date(ids.mid_at);
    const weekLater = new Date(midAt.getTime() + 7 * 86_400_000);

    const keys = portalKeys();
    portal = await startTestPortal({ databaseUrl: url, dir: mkdtempSync(path.join(os.tmpdir(), "graylane-bench-audit-")), keys, log: (line) => console.error(line) });
    const logFile = portal.logFile;
    // A MANAGER session forged with the portal's session secret (the seeded user has no password).
    const cookie = `next-auth.session-token=${await encode({ token: { sub: MANAGER_ID }, secret: keys.sessionSecret, maxAge: 3600 })}`;

    const scenarios: { name: string; query: Record<string, string> }[] = [
      { name: "no filter (newest page)", query: {} },
      { name: "service", query: { service: "svc-07" } },
      { name: "user", query: { user: "user03@bench.graylane.test" } },
      { name: "action", query: { action: "node.state" } },
      { name: "outcome = a gateway failed", query: { outcome: "failed" } },
      { name: "outcome = all OK + service + action", query: { outcome: "ok", service: "svc-11", action: "service.update" } },
      { name: "time range (1 week, mid-history)", query: { from: midAt.toISOString(), to: weekLater.toISOString() } },
      { name: "time range + service", query: { from: midAt.toISOString(), to: weekLater.toISOString(), service: "svc-03" } },
      { name: `search, rare ("${SEED_RARE_WORD}")`, query: { q: SEED_RARE_WORD } },
      { name: 'search, common ("ticket OPS-42")', query: { q: "ticket OPS-42" } },
      { name: 'search + service ("maintenance")', query: { q: "maintenance", service: "svc-21" } },
      { name: "service, page at the middle (keyset)", query: { service: "svc-07", before: midId } },
      { name: "release (all its events)", query: { release: "rbench12345" } },
    ];

    const results: { name: string; rows: number; p50: number; p95: number; max: number }[] = [];
    for (const s of scenarios) {
      const target = `${portal.url}/audit?${new URLSearchParams(s.query).toString()}`;
      let rows = 0;
      for (let i = 0; i < WARMUP; i++) {
        const r = await get(target, cookie);
        if (r.status !== 200) throw new Error(`${s.name}: HTTP ${r.status} from ${target}; see ${logFile}`);
        rows = (r.body.match(/data-testid="audit-row"/g) ?? []).length;
      }
      const times: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const r = await get(target, cookie);
        if (r.status !== 200) throw new Error(`${s.name}: HTTP ${r.status}`);
        times.push(r.ms);
      }
      times.sort((a, b) => a - b);
      const res = { name: s.name, rows, p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1] };
      results.push(res);
      console.error(`${s.name.padEnd(42)} rows ${String(rows).padStart(3)}  p50 ${res.p50.toFixed(1).padStart(6)} ms  p95 ${res.p95.toFixed(1).padStart(6)} ms  max ${res.max.toFixed(1).padStart(6)} ms`);
    }

    const worst = Math.max(...results.map((r) => r.p95));
    const summary = {
      events: total,
      outcomes,
      requestsPerScenario: REQUESTS,
      warmup: WARMUP,
      cpus: os.cpus().length,
      worstP95: Number(worst.toFixed(1)),
      target: TARGET_P95_MS,
      verify,
      pass: worst < TARGET_P95_MS && (verify?.ok ?? true),
    };
    if (args.markdown) {
      console.log(`| filters | rows on page | p50 (ms) | p95 (ms) | max (ms) |\n|---|---:|---:|---:|---:|`);
      for (const r of results) console.log(`| ${r.name} | ${r.rows} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} |`);
      console.log(`\n${total.toLocaleString("en")} events, ${outcomes.toLocaleString("en")} outcomes; worst p95 ${worst.toFixed(1)} ms (target < ${TARGET_P95_MS} ms).`);
      if (verify) console.log(`verify-audit: ${verify.ok ? "intact" : "BROKEN"}, ${verify.events.toLocaleString("en")} events in ${(verify.ms / 1000).toFixed(1)} s.`);
    } else {
      console.log(JSON.stringify({ summary, results: results.map((r) => ({ ...r, p50: +r.p50.toFixed(1), p95: +r.p95.toFixed(1), max: +r.max.toFixed(1) })) }, null, 2));
    }
    if (args.keep) console.error(`kept the database: --db ${url}`);
    if (!summary.pass) process.exitCode = 1;
  } finally {
    await portal?.stop();
    await sql.end();
    if (!args.keep) await drop?.();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});
