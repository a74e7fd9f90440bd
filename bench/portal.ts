// `npm run bench:portal`: the portal with 200 services × 10 nodes on 3 gateways.
//
// Sets up a scratch database, 3 real gateways, the services (bulk SQL, then one
// syncGatewayNow per gateway), an ADMIN, and the production portal; signs in through
// next-auth's credentials endpoint. Then measures
//   1. the server render of /services (autocannon with the session cookie: first one
//      connection — the render time itself — then N connections — throughput and latency
//      under load), every response checked to be a 200 holding every service;
//   2. click-to-gateway: Chromium clicks Drain / Return to active on a node of a service
//      page, and the time until all 3 gateways report the new state (each polled every
//      ~5 ms). Target: p95 < 300 ms.
//   3. concurrency: 50 viewers with the overview or a service page open, polling what
//      those pages poll (bench/portal-viewers.ts). Target: p95 < 200 ms.
// Everything it started is stopped and the database dropped at the end, also on failure.
//
//   npm run bench:portal -- [--services 200] [--nodes 10] [--gateways 3] [--connections 10]
//     [--duration 15] [--clicks 40] [--warmup-clicks 4] [--poll-ms 5] [--gateway-workers 1]
//     [--viewers 50] [--viewer-seconds 30] [--only render|click|viewers] [--check] [--json]
// --check: exit 1 when the click-to-gateway or the viewers' p95 misses its target.
// --only: run one of the two measures (e.g. under a profiler).
// The portal's background loops run as in production; GRAYLANE_RECONCILER=off in the
// environment turns the reconciler off (it reads every gateway every 5 s).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { OVERVIEW_PAGE_SIZE } from "../lib/services/live";
import { seedUser } from "../prisma/seed";
import type { GatewayHandle } from "../scripts/lib/gateway";
import { signIn } from "../scripts/lib/portal";
import { freshDatabase } from "../test/support/database";
import { gateway as startGateway } from "../test/support/gateway";
import { portalKeys, startTestPortal } from "../test/support/portal";
import { measureClicks, type ClickSample } from "./portal-click";
import { measureViewers } from "./portal-viewers";
import { nodeAddr, registerGateways, seedServices, serviceName, syncAll } from "./portal-seed";

const { values: args } = parseArgs({
  options: {
    services: { type: "string", default: "200" },
    nodes: { type: "string", default: "10" },
    gateways: { type: "string", default: "3" },
    connections: { type: "string", default: "10" },
    duration: { type: "string", default: "15" },
    clicks: { type: "string", default: "40" },
    "warmup-clicks": { type: "string", default: "4" },
    "poll-ms": { type: "string", default: "5" },
    "gateway-workers": { type: "string", default: "1" },
    viewers: { type: "string", default: "50" },
    "viewer-seconds": { type: "string", default: "30" },
    only: { type: "string" },
    check: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const SERVICES = Number(args.services);
const NODES = Number(args.nodes);
const GATEWAYS = Number(args.gateways);
const CONNECTIONS = Number(args.connections);
const DURATION_S = Number(args.duration);
const CLICKS = Number(args.clicks);
const WARMUP_CLICKS = Number(args["warmup-clicks"]);
const POLL_MS = Number(args["poll-ms"]);
const GATEWAY_WORKERS = Number(args["gateway-workers"]);
const TARGET_CLICK_P95_MS = 300;
const VIEWERS = Number(args.viewers);
const VIEWER_SECONDS = Number(args["viewer-seconds"]);
const TARGET_VIEWERS_P95_MS = 200;
const ADMIN_EMAIL = "admin@bench.graylane.test";

// The service page whose node is clicked: service 1, node 2 (active in the seed).
const CLICK_SERVICE = 1;
const CLICK_NODE = 2;

const progress = (line: string) => console.error(`[bench:portal] ${line}`);

// autocannon ships no types; the part used here.
type AutocannonResponse = (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void;
type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  duration: number;
};
type AutocannonTracker = PromiseLike<AutocannonResult> & { on(event: "response", fn: AutocannonResponse): void };
const autocannon = createRequire(import.meta.url)("autocannon") as (opts: Record<string, unknown>) => AutocannonTracker;

const pct = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
const sortNum = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);
const ms = (v: number | undefined) => (v === undefined ? "—" : v.toFixed(1));

/** Cleanups, newest first, each even when an earlier one fails. */
const cleanups: (() => unknown)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (e) {
      progress(`cleanup failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

type RenderResult = { connections: number; requests: number; rps: number; p50: number; p95: number; p99: number; max: number; bytes: number; bad: number };

/** autocannon against /services; every response must be a 200 holding the last service's card. */
async function renderLoad(url: string, cookie: string, connections: number, seconds: number, marker: string): Promise<RenderResult> {
  const times: number[] = [];
  let bytes = 0;
  const run = autocannon({
    url,
    connections,
    duration: seconds,
    headers: { cookie, "accept-language": "en" },
    verifyBody: (body: string) => body.includes(marker),
    timeout: 30,
  });
  run.on("response", (_c, status, resBytes, responseTime) => {
    if (status === 200) times.push(responseTime);
    bytes = resBytes;
  });
  const r = await run;
  const sorted = sortNum(times);
  return {
    connections,
    requests: r.requests.total,
    rps: r.requests.total / (r.duration || seconds),
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1],
    bytes,
    bad: r.non2xx + r.errors + r.timeouts + r.mismatches,
  };
}

type Stats = { n: number; p50: number; p95: number; max: number };

function summarize(values: readonly (number | null)[]): Stats | undefined {
  const xs = sortNum(values.filter((v): v is number => v !== null));
  if (!xs.length) return undefined;
  return { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: xs[xs.length - 1] };
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const loadAtStart = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  const dir = mkdtempSync(path.join(os.tmpdir(), "graylane-bench-portal-"));
  chmodSync(dir, 0o711); // the gateways' unprivileged workers (started as root) must reach their state dirs inside
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  const keys = portalKeys();
  process.env.GRAYLANE_SECRET_KEY = keys.secretKey; // the seed encrypts and syncGatewayNow decrypts the gateway tokens in this process
  process.env.GRAYLANE_AUDIT_KEY ??= randomBytes(32).toString("hex"); // this process and the portal sign the audit log with it

  progress("database, gateways…");
  const database = await freshDatabase({ prefix: "graylane_bench_portal" });
  cleanups.push(() => database.stop());
  const gateways: (GatewayHandle & { name: string })[] = [];
  await Promise.all(
    Array.from({ length: GATEWAYS }, async (_, i) => {
      const token = randomBytes(24).toString("hex");
      const gw = await startGateway({ token, stateDir: path.join(dir, `gw-${i + 1}`), workers: GATEWAY_WORKERS });
      cleanups.push(() => gw.stop());
      gateways[i] = { ...gw, name: `gw-${i + 1}` };
    }),
  );

  progress(`seeding ${SERVICES} services × ${NODES} nodes…`);
  const sql = new pg.Client({ connectionString: database.url });
  await sql.connect();
  cleanups.push(() => sql.end());
  const db = database.db;
  let t0 = Date.now();
  await seedServices(sql, { services: SERVICES, nodesPerService: NODES });
  const gatewayIds = await registerGateways(db, gateways);
  const seedMs = Date.now() - t0;
  t0 = Date.now();
  await syncAll(db, gatewayIds);
  const syncMs = Date.now() - t0;
  const password = `pw-${randomBytes(12).toString("base64url")}`;
  await seedUser(db, { email: ADMIN_EMAIL, name: "Bench Admin", role: "ADMIN", password });
  progress(`seeded in ${seedMs} ms, synced ${GATEWAYS} gateways in ${syncMs} ms`);

  const portal = await startTestPortal({ databaseUrl: database.url, dir, keys, log: progress });
  const logFile = portal.logFile;
  cleanups.push(() => portal.stop());
  progress(`portal ${portal.url} (log ${logFile})`);

  const only = args.only;
  const render = only && only !== "render" ? null : await measureRender(portal.url, password, logFile);
  const click = only && only !== "click" ? null : await measureClick(portal.url, password, gateways, sql);
  const viewers = only && only !== "viewers" ? null : await measureViewerLoad(portal.url, password, logFile, portal.child.pid);
  const viewersPass = viewers ? viewers.all.p95 < TARGET_VIEWERS_P95_MS : null;
  const pass = (click ? click.all.p95 < TARGET_CLICK_P95_MS : null) ?? viewersPass;
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");

  const row = (name: string, x: Stats | undefined) => `| ${name} | ${x?.n ?? 0} | ${ms(x?.p50)} | ${ms(x?.p95)} | — / ${ms(x?.max)} | |`;
  const lines = [`| measure | n | p50 (ms) | p95 (ms) | p99 / max (ms) | req/s |`, `|---|---:|---:|---:|---:|---:|`];
  for (const r of render ? [render.single, render.loaded] : []) {
    lines.push(`| GET /services, ${r.connections} connection${r.connections > 1 ? "s" : ""} (${DURATION_S} s) | ${r.requests} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} / ${ms(r.max)} | ${r.rps.toFixed(1)} |`);
  }
  if (click) {
    lines.push(
      row(`click → all ${GATEWAYS} gateways report the change`, click.all),
      row("click → first gateway", click.first),
      row("⤷ click → action request sent (browser)", click.clientToRequest),
      row("⤷ action request → all gateways (server)", click.requestToGateways),
      row("⤷⤷ push fan-out (slowest gateway's GET + PUT, recorded)", click.push),
      row("server action: request → response headers (action done)", click.actionHeaders),
      row("server action: request → response end (incl. re-rendered page)", click.action),
    );
  }
  if (viewers) {
    for (const e of [...viewers.endpoints, viewers.pages, viewers.polls, viewers.all]) {
      lines.push(
        `| ${VIEWERS} viewers: ${e.endpoint} (${VIEWER_SECONDS} s) | ${e.n} | ${ms(e.p50)} | ${ms(e.p95)} | ${ms(e.p99)} / ${ms(e.max)} | ${(e.n / VIEWER_SECONDS).toFixed(1)}${e.cpuMs !== undefined ? ` (CPU ${ms(e.cpuMs)} ms/req)` : ""} |`,
      );
    }
  }
  const summary = {
    services: SERVICES,
    nodesPerService: NODES,
    gateways: GATEWAYS,
    gatewayWorkers: GATEWAY_WORKERS,
    render,
    click,
    viewers,
    target: { clickP95Ms: TARGET_CLICK_P95_MS, viewersP95Ms: TARGET_VIEWERS_P95_MS, pass, viewersPass },
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? "?", loadavgAtStart: loadAtStart, loadavgAtEnd: load, node: process.version },
    seedMs,
    syncMs,
    totalSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
  if (args.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(lines.join("\n"));
    console.log(
      `\n${SERVICES} services × ${NODES} nodes on ${GATEWAYS} gateways (${GATEWAY_WORKERS} worker${GATEWAY_WORKERS > 1 ? "s" : ""} each)` +
        (render ? `; /services is ${render.kib} KiB of HTML` : "") +
        (click ? `. Click-to-gateway p95 ${ms(click.all.p95)} ms: ${click.all.p95 < TARGET_CLICK_P95_MS ? "meets" : "MISSES"} the target < ${TARGET_CLICK_P95_MS} ms` : "") +
        (viewers
          ? `. ${VIEWERS} viewers: p95 ${ms(viewers.all.p95)} ms over every request: ${viewersPass ? "meets" : "MISSES"} the target < ${TARGET_VIEWERS_P95_MS} ms` +
            (viewers.demand !== null ? `; their requests need ${(viewers.demand * 100).toFixed(0)}% of one core, the portal used ${((viewers.busy ?? 0) * 100).toFixed(0)}%` : "")
          : "") +
        `. ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), load average ${loadAtStart} at the start, ${load} at the end.`,
    );
  }
  if (args.check && (pass === false || viewersPass === false)) process.exitCode = 1;
}

/** Measure 1: GET /services with a signed-in session, 1 connection then CONNECTIONS. */
async function measureRender(portalUrl: string, password: string, logFile: string) {
  const cookie = await signIn(portalUrl, ADMIN_EMAIL, password);
  const overviewUrl = `${portalUrl}/services`;
  // The overview shows the first page of services (by name); the last card of that page marks a full render.
  const perPage = Math.min(SERVICES, OVERVIEW_PAGE_SIZE);
  const marker = `data-testid="service-${serviceName(perPage - 1)}"`;

  // A full check of one page first: a 200 with a whole page of service cards, not the login page.
  const first = await fetch(overviewUrl, { headers: { cookie, "accept-language": "en" }, redirect: "manual" });
  const html = await first.text();
  const cards = (html.match(/data-testid="service-svc-\d+"/g) ?? []).length;
  if (first.status !== 200 || cards !== perPage) {
    throw new Error(`/services: HTTP ${first.status} with ${cards} of ${perPage} service cards (login redirect?); see ${logFile}`);
  }
  const kib = Math.round(html.length / 1024);
  progress(`/services: ${cards} cards of ${SERVICES}, ${kib} KiB; warming up…`);
  await renderLoad(overviewUrl, cookie, CONNECTIONS, 3, marker);

  progress(`render, 1 connection, ${DURATION_S} s…`);
  const single = await renderLoad(overviewUrl, cookie, 1, DURATION_S, marker);
  progress(`render, ${CONNECTIONS} connections, ${DURATION_S} s…`);
  const loaded = await renderLoad(overviewUrl, cookie, CONNECTIONS, DURATION_S, marker);
  for (const r of [single, loaded]) {
    if (r.bad > 0) throw new Error(`/services with ${r.connections} connection(s): ${r.bad} responses were not a 200 with every service; see ${logFile}`);
  }
  return { kib, single, loaded };
}

/** Measure 3: VIEWERS concurrent viewers of the overview and of service pages. */
async function measureViewerLoad(portalUrl: string, password: string, logFile: string, portalPgid: number | undefined) {
  const cookie = await signIn(portalUrl, ADMIN_EMAIL, password);
  const perPage = Math.min(SERVICES, OVERVIEW_PAGE_SIZE);
  const r = await measureViewers({
    portalUrl,
    portalPgid,
    cookie,
    viewers: VIEWERS,
    seconds: VIEWER_SECONDS,
    // Viewers of service pages spread over 10 services (a release day: several teams, a few services each).
    services: Array.from({ length: Math.min(10, SERVICES) }, (_, i) => serviceName(i)),
    overviewMarker: `data-testid="service-${serviceName(perPage - 1)}"`,
    log: progress,
  });
  const failed = r.all.bad;
  if (failed > 0) throw new Error(`viewers: ${failed} responses were not a 200 with a complete page; see ${logFile}`);
  return r;
}

/** Measure 2: click-to-gateway in Chromium, with the push times the portal recorded. */
async function measureClick(portalUrl: string, password: string, gateways: readonly (GatewayHandle & { name: string })[], sql: pg.Client) {
  progress(`click-to-gateway, ${CLICKS} clicks (+${WARMUP_CLICKS} warm-up)…`);
  const service = serviceName(CLICK_SERVICE);
  const clicks = await measureClicks({
    portalUrl,
    email: ADMIN_EMAIL,
    password,
    service,
    addr: nodeAddr(CLICK_SERVICE, CLICK_NODE),
    gateways: gateways.map((g) => ({ name: g.name, adminUrl: g.adminUrl, token: g.token })),
    clicks: CLICKS,
    warmup: WARMUP_CLICKS,
    pollIntervalMs: POLL_MS,
    log: progress,
  });
  progress(clicks.clockNote);

  // Per-gateway push time as the portal recorded it (GET + PUT with If-Match), for the clicks measured.
  const pushRows = (
    await sql.query<{ id: string; push: number; pushes: number; failed: number }>(
      `SELECT e.id::text, max(o."durationMs") AS push, count(o.id)::int AS pushes, count(*) FILTER (WHERE NOT o.ok)::int AS failed
       FROM "AuditEvent" e JOIN "AuditOutcome" o ON o."eventId" = e.id
       WHERE e.action = 'node.state' AND e."serviceName" = $1 GROUP BY e.id ORDER BY e.id`,
      [service],
    )
  ).rows.slice(WARMUP_CLICKS);
  const failedPushes = pushRows.reduce((n, r) => n + r.failed, 0);
  if (pushRows.length !== CLICKS || failedPushes > 0 || pushRows.some((r) => r.pushes !== GATEWAYS)) {
    throw new Error(`expected ${CLICKS} node.state events with ${GATEWAYS} successful pushes each, got ${pushRows.length} events, ${failedPushes} failed pushes`);
  }
  const s = (pick: (c: ClickSample) => number | null) => summarize(clicks.samples.map(pick));
  return {
    all: s((c) => c.allGateways)!,
    first: s((c) => c.firstGateway),
    clientToRequest: s((c) => c.clientToRequest),
    requestToGateways: s((c) => c.requestToGateways),
    push: summarize(pushRows.map((r) => r.push)),
    actionHeaders: s((c) => c.actionHeaders),
    action: s((c) => c.action),
  };
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    progress(`${sig}: stopping…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch((e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 2;
  })
  .finally(cleanUp);
