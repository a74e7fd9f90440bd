// The audit history against real PostgreSQL: every filter, search, keyset pagination in
// both orders, the filter options, and the streamed CSV / JSON export (20k+ events,
// read batch by batch as the consumer pulls).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { appendAuditEvent } from "@/lib/audit/chain";
import { appendAuditOutcomes } from "@/lib/audit/outcomes";
import { auditExportStream, CSV_COLUMNS } from "@/lib/audit/export";
import { parseAuditFilters, type AuditFilters } from "@/lib/audit/filters";
import { auditFilterOptions, listAuditEvents } from "@/lib/audit/read";
import { seedAuditEvents } from "@/lib/audit/seed";
import { freshDatabase, parseCsv, readAll, type AuditTestDb } from "./helpers";

const SEEDED = 20_000;
/** The seeded rows carry no keyed hash: the first keyed append re-anchors after them (one event). */
const REANCHOR = 1;
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

type Fixture = {
  id: bigint;
  createdAt: Date;
  serviceName: string | null;
  actorEmail: string;
  action: string;
  targetName: string;
  reason: string | null;
  releaseId: string | null;
  outcomes: boolean[];
};

let t: AuditTestDb;
const fixtures: Fixture[] = [];

before(async () => {
  t = await freshDatabase();
  const sql = new pg.Client({ connectionString: t.database.url });
  await sql.connect();
  try {
    // Older bulk rows first (ids 1..SEEDED), a minute apart up to T0, other services / users.
    await seedAuditEvents(sql, SEEDED, { start: new Date(T0 - SEEDED * 60_000), stepMs: 60_000, chunk: 7_000 });
  } finally {
    await sql.end();
  }
  for (let i = 0; i < 30; i++) {
    const f = {
      createdAt: new Date(T0 + i * HOUR),
      serviceName: ["shop", "cart", "pay", null][i % 4],
      actorEmail: ["ann@x.test", "bob@x.test", "cy@x.test"][i % 3],
      action: ["node.add", "node.state", "service.update", "release.step", "gateway.update"][i % 5],
      targetName: i === 7 ? "=HYPERLINK(1)" : `10.0.0.${i}:80`,
      reason: i === 5 ? 'he said "hi", then\nleft' : i % 6 === 0 ? `Rollout ${i} 100% sure_thing` : null,
      releaseId: i % 10 === 3 ? "rel-A" : null,
      outcomes: [[], [true, true], [true, false]][i % 3],
    };
    const e = await t.db.$transaction((tx) =>
      appendAuditEvent(tx, {
        actorEmail: f.actorEmail,
        actorRole: "OPERATOR",
        clientIp: "203.0.113.9",
        userAgent: "test-agent",
        action: f.action,
        targetType: f.action.split(".")[0],
        targetName: f.targetName,
        serviceName: f.serviceName,
        releaseId: f.releaseId,
        reason: f.reason,
        before: { weight: i },
        after: { weight: i + 1 },
        createdAt: f.createdAt,
      }),
    );
    await t.db.$transaction((tx) =>
      appendAuditOutcomes(
        tx,
        e.id,
        f.outcomes.map((ok, g) => ({ gatewayId: null, gatewayName: `gw-${g}`, ok, status: ok ? 200 : 502, code: ok ? null : "gateway_error", message: "", durationMs: 5 })),
      ),
    );
    fixtures.push({ ...f, id: e.id });
  }
});
after(async () => {
  await t?.stop();
});

/** Every page of `filters`, walking the keyset cursor. */
async function allPages(filters: AuditFilters, pageSize: number): Promise<string[]> {
  const ids: string[] = [];
  let before: bigint | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await listAuditEvents(t.db, filters, before, pageSize);
    assert.ok(page.rows.length <= pageSize);
    ids.push(...page.rows.map((r) => r.id));
    if (!page.nextBefore) return ids;
    assert.equal(page.nextBefore, page.rows[page.rows.length - 1].id);
    before = BigInt(page.nextBefore);
  }
  throw new Error("pagination did not end");
}

const newestFirst = (list: Fixture[]) => list.map((f) => f.id.toString()).reverse();
const lower = (s: string | null) => (s ?? "").toLowerCase();

describe("filters (only the fixture events match these)", () => {
  const cases: [string, AuditFilters, (f: Fixture) => boolean][] = [
    ["service", { service: "shop" }, (f) => f.serviceName === "shop"],
    ["user", { user: "bob@x.test" }, (f) => f.actorEmail === "bob@x.test"],
    ["action (+ user)", { action: "node.state", user: "ann@x.test" }, (f) => f.action === "node.state" && f.actorEmail === "ann@x.test"],
    ["action prefix (+ service)", { action: "node.", service: "cart" }, (f) => f.action.startsWith("node.") && f.serviceName === "cart"],
    ["outcome failed", { outcome: "failed", user: "cy@x.test" }, (f) => f.actorEmail === "cy@x.test" && f.outcomes.includes(false)],
    ["outcome ok", { outcome: "ok", service: "cart" }, (f) => f.serviceName === "cart" && f.outcomes.length > 0 && f.outcomes.every(Boolean)],
    ["time range", { from: new Date(T0 + 4 * HOUR), to: new Date(T0 + 11 * HOUR) }, (f) => f.createdAt.getTime() >= T0 + 4 * HOUR && f.createdAt.getTime() <= T0 + 11 * HOUR],
    ["release", { releaseId: "rel-A" }, (f) => f.releaseId === "rel-A"],
    ["search in reason, case-insensitive", { q: "ROLLOUT" }, (f) => lower(f.reason).includes("rollout")],
    ["search in target", { q: "10.0.0.2" }, (f) => f.targetName.includes("10.0.0.2")],
    ["search, % and _ taken literally", { q: "100% sure_" }, (f) => lower(f.reason).includes("100% sure_")],
    ["search in actor + service filter", { q: "ann@", service: "pay" }, (f) => f.actorEmail.startsWith("ann@") && f.serviceName === "pay"],
    ["combined", { service: "shop", action: "node.", outcome: "failed" }, (f) => f.serviceName === "shop" && f.action.startsWith("node.") && f.outcomes.includes(false)],
  ];
  for (const [name, filters, match] of cases) {
    test(name, async () => {
      const expected = newestFirst(fixtures.filter(match));
      assert.ok(expected.length > 0, "the case must select something");
      assert.ok(expected.length < fixtures.length || name === "time range", "the case must leave something out");
      assert.deepEqual(await allPages(filters, 2), expected);
      assert.deepEqual(await allPages(filters, 50), expected);
    });
  }

  test("a filter that matches nothing gives an empty page", async () => {
    assert.deepEqual(await listAuditEvents(t.db, { service: "shop", user: "nobody@x.test" }), { rows: [], nextBefore: null });
  });

  test("rows carry outcome counts, release and service", async () => {
    const f = fixtures[23]; // release rel-A, outcomes [true, false]
    const { rows } = await listAuditEvents(t.db, { releaseId: "rel-A" });
    const row = rows.find((r) => r.id === f.id.toString());
    assert.deepEqual(row?.outcomes, { ok: 1, failed: 1 });
    assert.equal(row?.releaseId, "rel-A");
    assert.equal(row?.serviceName, f.serviceName);
  });
});

describe("pagination over the whole log", () => {
  test("by id: every event once, newest first, across pages of 997", async () => {
    const ids = await allPages({}, 997);
    assert.equal(ids.length, SEEDED + REANCHOR + fixtures.length);
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i++) assert.ok(BigInt(ids[i]) < BigInt(ids[i - 1]));
  });

  test("with a time range: ordered by time, the cursor continues where the page ended", async () => {
    // Seeded rows are 60 s apart; 3 hours of them and the first 5 fixtures.
    const filters: AuditFilters = { from: new Date(T0 - 3 * HOUR), to: new Date(T0 + 4 * HOUR) };
    const ids = await allPages(filters, 13);
    const expected = await t.db.auditEvent.findMany({
      where: { createdAt: { gte: filters.from, lte: filters.to } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    assert.ok(expected.length > 150);
    assert.deepEqual(ids, expected.map((e) => e.id.toString()));
  });
});

test("parseAuditFilters: wall times in the user's zone, ISO as given, junk ignored", () => {
  const f = parseAuditFilters({ from: "2026-03-01T08:00", to: "2026-03-01", outcome: "weird", service: " shop ", q: "" }, "Asia/Shanghai");
  assert.equal(f.from?.toISOString(), "2026-03-01T00:00:00.000Z");
  assert.equal(f.to?.toISOString(), "2026-03-01T15:59:59.999Z"); // the whole day, Shanghai time
  assert.equal(f.outcome, undefined);
  assert.equal(f.service, "shop");
  assert.equal(f.q, undefined);
  const iso = parseAuditFilters(new URLSearchParams("from=2026-03-01T08:00:00.000Z&to=nonsense"), "Asia/Shanghai");
  assert.equal(iso.from?.toISOString(), "2026-03-01T08:00:00.000Z");
  assert.equal(iso.to, undefined);
});

test("filter options list what occurs in the log (loose index scan)", async () => {
  const options = await auditFilterOptions(t.db);
  for (const s of ["shop", "cart", "pay", "svc-00", "svc-39"]) assert.ok(options.services.includes(s), s);
  for (const a of ["node.add", "gateway.update", "release.rollback"]) assert.ok(options.actions.includes(a), a);
  for (const u of ["ann@x.test", "user00@bench.graylane.test"]) assert.ok(options.users.includes(u), u);
  assert.deepEqual(options.services, [...options.services].sort());
  const distinct = await t.db.auditEvent.findMany({ distinct: ["action"], select: { action: true } });
  assert.equal(options.actions.length, distinct.length);
});

describe("export", () => {
  test("CSV: header of stable names, every matching event, RFC 4180 escaping, formula guard", async () => {
    const bytes = new Uint8Array(await new Response(auditExportStream(t.db, {}, "csv", { batchSize: 1000 })).arrayBuffer());
    assert.deepEqual([...bytes.slice(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM");
    const rows = parseCsv(new TextDecoder().decode(bytes));
    assert.deepEqual(rows[0], [...CSV_COLUMNS]);
    const body = rows.slice(1);
    assert.equal(body.length, SEEDED + REANCHOR + fixtures.length);
    for (const r of body) assert.equal(r.length, CSV_COLUMNS.length);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const byId = new Map(body.map((r) => [r[col("id")], r]));
    const quoted = byId.get(fixtures[5].id.toString())!;
    assert.equal(quoted[col("reason")], 'he said "hi", then\nleft');
    assert.equal(quoted[col("gatewaysOk")], "1");
    assert.equal(quoted[col("gatewaysFailed")], "1");
    assert.equal(quoted[col("failedGateways")], "gw-1");
    assert.deepEqual(JSON.parse(quoted[col("before")]), { weight: 5 });
    assert.equal(quoted[col("createdAt")], fixtures[5].createdAt.toISOString());
    assert.equal(byId.get(fixtures[7].id.toString())![col("targetName")], "'=HYPERLINK(1)");
    // Newest first.
    assert.equal(body[0][col("id")], fixtures[29].id.toString());
    assert.equal(body[body.length - 1][col("id")], "1");
  });

  test("JSON: the filtered events with their outcomes, same filters as the page", async () => {
    const filters: AuditFilters = { service: "svc-07", outcome: "failed" };
    const json = JSON.parse(await readAll(auditExportStream(t.db, filters, "json", { batchSize: 50 }))) as { id: string; serviceName: string; outcomes: { ok: boolean }[] }[];
    const expected = await t.db.auditEvent.findMany({
      where: { serviceName: "svc-07", outcomes: { some: { ok: false } } },
      orderBy: { id: "desc" },
      select: { id: true },
    });
    assert.ok(expected.length > 0);
    assert.deepEqual(json.map((e) => e.id), expected.map((e) => e.id.toString()));
    for (const e of json) {
      assert.equal(e.serviceName, "svc-07");
      assert.ok(e.outcomes.some((o) => !o.ok));
    }
    assert.deepEqual(JSON.parse(await readAll(auditExportStream(t.db, { service: "no-such" }, "json"))), []);
  });

  test("reads follow the consumer: one batch ahead at most, never the whole log", async () => {
    let batches = 0;
    let rowsRead = 0;
    const stream = auditExportStream(t.db, {}, "json", { batchSize: 500, onBatch: (n) => ((batches += 1), (rowsRead += n)) });
    const reader = stream.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0);
    await new Promise((r) => setTimeout(r, 100)); // time for any eager reading to show
    assert.ok(batches <= 2, `read ${batches} batches for one chunk`);
    assert.ok(rowsRead <= 1000);
    let chunks = 1;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      chunks++;
    }
    assert.equal(rowsRead, SEEDED + REANCHOR + fixtures.length);
    assert.equal(chunks, Math.ceil((SEEDED + REANCHOR + fixtures.length) / 500));
    assert.ok(batches >= chunks);
  });
});
