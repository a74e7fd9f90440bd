// Release history and its summaries against real PostgreSQL: time in gray, steps, who
// ended a release, automatic rollbacks, links to audit events, weekly and per-service
// counts, rollback rate and median time in gray.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { appendAuditEvent } from "@/lib/audit/chain";
import { decodeHistoryCursor, listReleaseHistory, releaseStats } from "@/lib/audit/release-history";
import { freshDatabase, type AuditTestDb } from "./helpers";

const NOW = new Date("2026-03-18T12:00:00Z"); // a Wednesday
const HOUR = 3_600_000;
let t: AuditTestDb;

type Spec = { id: string; service: string; startedAt: Date; hours: number | null; status: "OPEN" | "PROMOTED" | "ROLLED_BACK"; endedBy?: string; endReason?: string; percents?: number[] };

const SPECS: Spec[] = [
  { id: "rel-1", service: "shop", startedAt: new Date("2026-03-02T09:00:00Z"), hours: 2, status: "PROMOTED", endedBy: "ann@x.test", percents: [10, 50] },
  { id: "rel-2", service: "shop", startedAt: new Date("2026-03-03T09:00:00Z"), hours: 6, status: "ROLLED_BACK", endedBy: "system", endReason: "automatic: gray 5xx rate 12% > 5%", percents: [10] },
  { id: "rel-3", service: "cart", startedAt: new Date("2026-03-10T09:00:00Z"), hours: 4, status: "ROLLED_BACK", endedBy: "bob@x.test", endReason: "wrong build" },
  { id: "rel-4", service: "cart", startedAt: new Date("2026-03-11T09:00:00Z"), hours: 1, status: "PROMOTED", endedBy: "bob@x.test", percents: [25] },
  { id: "rel-5", service: "shop", startedAt: new Date("2026-03-17T09:00:00Z"), hours: null, status: "OPEN", percents: [5] },
  // Outside a 2-week window.
  { id: "rel-0", service: "shop", startedAt: new Date("2026-01-05T09:00:00Z"), hours: 10, status: "PROMOTED", endedBy: "ann@x.test" },
];
const eventIds = new Map<string, bigint[]>();

before(async () => {
  t = await freshDatabase();
  const services = new Map<string, string>();
  for (const name of ["shop", "cart"]) services.set(name, (await t.db.service.create({ data: { name, gray: { percent: 0, cidrs: [] } } })).id);
  for (const s of SPECS) {
    const endedAt = s.hours === null ? null : new Date(s.startedAt.getTime() + s.hours * HOUR);
    await t.db.release.create({
      data: {
        id: s.id,
        serviceId: services.get(s.service)!,
        version: `v-${s.id}`,
        targets: ["10.0.0.1:80"],
        steps: [5, 10, 25, 50],
        status: s.status,
        snapshot: {},
        startedBy: "ops@x.test",
        startedAt: s.startedAt,
        endedBy: s.endedBy ?? null,
        endedAt,
        endReason: s.endReason ?? null,
      },
    });
    const ids: bigint[] = [];
    const add = (action: string, at: Date, after: unknown, actor = "ops@x.test") =>
      t.db.$transaction((tx) =>
        appendAuditEvent(tx, { actorEmail: actor, actorRole: "OPERATOR", action, targetType: "release", targetName: s.id, serviceName: s.service, releaseId: s.id, createdAt: at, after }),
      );
    ids.push((await add("release.start", s.startedAt, { release: { version: `v-${s.id}` } })).id);
    for (const [i, p] of (s.percents ?? []).entries()) ids.push((await add("release.step", new Date(s.startedAt.getTime() + (i + 1) * 60_000), { release: { percent: p } })).id);
    if (endedAt) ids.push((await add(s.status === "PROMOTED" ? "release.promote" : "release.rollback", endedAt, {}, s.endedBy)).id);
    eventIds.set(s.id, ids);
  }
});
after(async () => {
  await t?.stop();
});

test("history rows: time in gray, steps, outcome, who ended it, automatic rollback, event links", async () => {
  const { rows, next } = await listReleaseHistory(t.db, { now: NOW });
  assert.equal(next, null);
  assert.deepEqual(rows.map((r) => r.id), ["rel-5", "rel-4", "rel-3", "rel-2", "rel-1", "rel-0"]);
  const by = new Map(rows.map((r) => [r.id, r]));

  const r1 = by.get("rel-1")!;
  assert.equal(r1.graySeconds, 2 * 3600);
  assert.equal(r1.stepsTaken, 2);
  assert.equal(r1.maxPercent, 50);
  assert.equal(r1.endedBy, "ann@x.test");
  assert.equal(r1.automatic, false);
  assert.equal(r1.startEventId, eventIds.get("rel-1")![0].toString());
  assert.equal(r1.endEventId, eventIds.get("rel-1")!.at(-1)!.toString());

  const r2 = by.get("rel-2")!;
  assert.equal(r2.status, "ROLLED_BACK");
  assert.equal(r2.automatic, true);
  assert.equal(r2.endReason, "automatic: gray 5xx rate 12% > 5%");
  assert.equal(by.get("rel-3")!.automatic, false);

  const open = by.get("rel-5")!;
  assert.equal(open.endEventId, null);
  assert.equal(open.graySeconds, 27 * 3600); // still in gray: until now
  assert.equal(by.get("rel-0")!.maxPercent, null);
});

test("history pages by (startedAt, id) and filters by service", async () => {
  const first = await listReleaseHistory(t.db, { pageSize: 4, now: NOW });
  assert.equal(first.rows.length, 4);
  const cursor = decodeHistoryCursor(first.next ?? undefined);
  assert.ok(cursor);
  const second = await listReleaseHistory(t.db, { pageSize: 4, after: cursor, now: NOW });
  assert.deepEqual([...first.rows, ...second.rows].map((r) => r.id), ["rel-5", "rel-4", "rel-3", "rel-2", "rel-1", "rel-0"]);
  assert.equal(second.next, null);
  const cart = await listReleaseHistory(t.db, { service: "cart", now: NOW });
  assert.deepEqual(cart.rows.map((r) => r.id), ["rel-4", "rel-3"]);
});

test("stats: releases per week, rollback rate, median time in gray, per service and overall", async () => {
  const stats = await releaseStats(t.db, { weeks: 3, now: NOW, timeZone: "UTC" });
  assert.equal(stats.since, "2026-03-02");
  assert.deepEqual(stats.weeks.map((w) => [w.week, w.total, w.promoted, w.rolledBack, w.open, w.automatic]), [
    ["2026-03-02", 2, 1, 1, 0, 1],
    ["2026-03-09", 2, 1, 1, 0, 0],
    ["2026-03-16", 1, 0, 0, 1, 0],
  ]);
  assert.equal(stats.weeks[0].rollbackRate, 0.5);
  assert.equal(stats.weeks[0].medianGraySeconds, 4 * 3600); // median of 2 h and 6 h
  assert.equal(stats.weeks[2].rollbackRate, null);
  assert.equal(stats.weeks[2].medianGraySeconds, null);

  assert.deepEqual(stats.overall, { total: 5, open: 1, promoted: 2, rolledBack: 2, automatic: 1, rollbackRate: 0.5, medianGraySeconds: 3 * 3600 });
  const shop = stats.services.find((s) => s.service === "shop")!;
  assert.deepEqual([shop.total, shop.promoted, shop.rolledBack, shop.automatic, shop.medianGraySeconds], [3, 1, 1, 1, 4 * 3600]);

  const cartOnly = await releaseStats(t.db, { weeks: 3, now: NOW, service: "cart" });
  assert.deepEqual(cartOnly.services.map((s) => s.service), ["cart"]);
  assert.equal(cartOnly.overall.total, 2);
  assert.equal(cartOnly.overall.medianGraySeconds, 2.5 * 3600);

  // Weeks follow the viewer's calendar: 2026-03-02 09:00 UTC is Sunday 23:00 in Honolulu,
  // so rel-1 falls before the window there; rel-2 (Monday 23:00) opens it.
  const hnl = await releaseStats(t.db, { weeks: 3, now: NOW, timeZone: "Pacific/Honolulu" });
  assert.equal(hnl.since, "2026-03-02");
  assert.equal(hnl.overall.total, 4);
  assert.equal(hnl.weeks[0].total, 1);
});
