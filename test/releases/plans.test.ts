// Scheduled plans (issue 16) against real PostgreSQL and a real gateway: a step advances by
// itself once its dwell is over and the analysis is healthy (system actor, audited, pushed);
// a "manual" step waits for a person; a paused release never advances; a step "until
// approval" files an approval request and moves on once another user approves; an unhealthy
// analysis rolls back instead of advancing. No wall-clock speed is asserted: the order of
// events and the states are.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { approveApproval } from "@/lib/approvals/decide";
import type { Actor } from "@/lib/audit/append";
import { isAppError } from "@/lib/errors";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import { ReleaseAnalyzer, analyzerOptionsFromEnv, type TickOutcome } from "@/lib/releases/analyzer";
import { startRelease, stepRelease } from "@/lib/releases/mutations";
import { pauseRelease, resumeRelease } from "@/lib/releases/pause";
import { getRelease } from "@/lib/releases/read";
import { startReleaseSchema } from "@/lib/validations/release";
import { assertSystemStep, makeService, operator, sleep, spread, withEnv } from "./helpers";

let gw: GatewayClient;
const admin: Actor = { id: null, email: "approver@example.test", role: "ADMIN", clientIp: "", userAgent: "plans-test" };
let base = 60;

const env = withEnv(3, async (env) => {
  gw = createGatewayClient({ adminUrl: env.gw.adminUrl, token: env.gw.token });
});

// Health is the 5xx rate here (see auto-advance.test.ts: p95 jumps on a busy machine).
const analyzer = () => new ReleaseAnalyzer(analyzerOptionsFromEnv({ ...process.env, GRAYLANE_ANALYZE_P95_MIN_DELTA_MS: "60000" }));

async function traffic(svc: string) {
  await spread(env.gw.proxyUrl, svc, 600, { base: base++ });
  await sleep(700); // the gateway flushes counters every 0.5 s
}

/** Ticks with healthy traffic in between until `stop` says so (at most `n` ticks); every outcome. */
async function tickUntil(a: ReleaseAnalyzer, svc: string, id: string, stop: (o: TickOutcome) => boolean, n = 12): Promise<TickOutcome[]> {
  const seen: TickOutcome[] = [];
  for (let i = 0; i < n; i++) {
    await traffic(svc);
    const o = (await a.tick(env.db)).find((x) => x.releaseId === id)!;
    seen.push(o);
    if (stop(o)) break;
  }
  return seen;
}

async function begin(svc: string, plan: unknown) {
  const [A, B, C] = env.backends.addrs;
  await makeService(env, svc, [A, B, C]);
  const r = await startRelease(env.db, operator, startReleaseSchema.parse({ service: svc, version: "v2", targets: [C], plan }));
  await stepRelease(env.db, operator, { id: r.releaseId }); // the first step is a person's (after the testers)
  return r.releaseId;
}

describe("scheduled plans", () => {
  it("advances after the dwell when healthy, then waits at a manual step", { timeout: 180_000 }, async () => {
    const svc = "plan-timed";
    const id = await begin(svc, "30:0.03, 60:manual, 80:0");
    const r0 = (await getRelease(env.db, id))!;
    assert.equal(r0.scheduled, true);
    assert.deepEqual(r0.plan, [{ percent: 30, dwell: 0.03 }, { percent: 60, dwell: "manual" }, { percent: 80, dwell: 0 }]);
    assert.deepEqual(r0.steps, [30, 60, 80]);
    assert.equal(r0.nextTransition?.kind, "timed");
    const stepStarted = Date.parse(r0.analysis!.stepStartedAt!);
    assert.equal(Date.parse((r0.nextTransition as { at: string }).at), stepStarted + 0.03 * 60_000);

    const a = analyzer();
    await a.tick(env.db); // the window's first sample
    const seen = await tickUntil(a, svc, id, (o) => o.action === "advanced");
    assert.equal(seen.at(-1)?.action, "advanced", JSON.stringify(seen));
    const r1 = (await getRelease(env.db, id))!;
    const ev = assertSystemStep(env, r1, { step: 1, percent: 60 });
    assert.ok(Date.parse(ev.at) >= stepStarted + 0.03 * 60_000, "not before the dwell was over");
    assert.equal((await gw.getUpstream(svc))!.gray.percent, 60, "the gateway got the step");
    assert.equal(r1.nextTransition?.kind, "manual");

    // A manual step waits, however long it is healthy.
    await a.tick(env.db);
    const manual = await tickUntil(a, svc, id, () => false, 3);
    assert.ok(manual.every((o) => o.action === "none"), JSON.stringify(manual));
    assert.ok(manual.some((o) => o.verdict?.status === "healthy"), JSON.stringify(manual));
    assert.equal((await getRelease(env.db, id))!.currentStep, 1);

    await stepRelease(env.db, operator, { id }); // the person → 80 %, the end of the plan
    const end = (await getRelease(env.db, id))!;
    assert.equal(end.percent, 80);
    assert.equal(end.nextTransition?.kind, "end");
  });

  it("never advances while paused; resumes where it was", { timeout: 180_000 }, async () => {
    const svc = "plan-paused";
    const id = await begin(svc, [{ percent: 30, dwell: 0 }, { percent: 60, dwell: 0 }]);
    const p = await pauseRelease(env.db, operator, { id });
    assert.equal(p.paused, true);
    await assert.rejects(pauseRelease(env.db, operator, { id }), (e) => isAppError(e) && e.code === "conflict" && e.reason === "release_already_paused");
    const paused = (await getRelease(env.db, id))!;
    assert.equal(paused.nextTransition?.kind, "paused");
    assert.equal(paused.paused?.by, operator.email);

    const a = analyzer();
    await a.tick(env.db);
    const seen = await tickUntil(a, svc, id, () => false, 3);
    assert.ok(seen.some((o) => o.verdict?.status === "healthy"), JSON.stringify(seen));
    assert.ok(seen.every((o) => o.action === "none"), JSON.stringify(seen));
    assert.equal((await getRelease(env.db, id))!.currentStep, 0);
    assert.equal((await gw.getUpstream(svc))!.gray.percent, 30);

    await resumeRelease(env.db, operator, { id });
    await assert.rejects(resumeRelease(env.db, operator, { id }), (e) => isAppError(e) && e.reason === "release_not_paused");
    const resumed = await tickUntil(a, svc, id, (o) => o.action === "advanced");
    assert.equal(resumed.at(-1)?.action, "advanced", JSON.stringify(resumed));
    const r = (await getRelease(env.db, id))!;
    assert.equal(r.percent, 60);
    assert.deepEqual(
      r.timeline.map((e) => [e.action, e.actorEmail]),
      [
        ["release.start", operator.email],
        ["release.step", operator.email],
        ["release.pause", operator.email],
        ["release.resume", operator.email],
        ["release.step", "system"],
      ],
    );
  });

  it("a paused release with the plain steps list and autoAdvance does not advance either", { timeout: 180_000 }, async () => {
    const svc = "plan-legacy";
    const [A, B, C] = env.backends.addrs;
    await makeService(env, svc, [A, B, C]);
    const started = await startRelease(env.db, operator, startReleaseSchema.parse({ service: svc, version: "v2", targets: [C], steps: "30, 60", autoAdvance: true }));
    const id = started.releaseId;
    await stepRelease(env.db, operator, { id });
    const legacy = (await getRelease(env.db, id))!;
    assert.equal(legacy.scheduled, false);
    assert.deepEqual(legacy.plan.map((p) => p.percent), [30, 60]);
    await pauseRelease(env.db, operator, { id });
    const a = new ReleaseAnalyzer(analyzerOptionsFromEnv({ ...process.env, GRAYLANE_AUTO_ADVANCE_DWELL_MS: "0", GRAYLANE_ANALYZE_P95_MIN_DELTA_MS: "60000" }));
    await a.tick(env.db);
    const seen = await tickUntil(a, svc, id, () => false, 3);
    assert.ok(seen.some((o) => o.verdict?.status === "healthy"), JSON.stringify(seen));
    assert.ok(seen.every((o) => o.action === "none"), JSON.stringify(seen));
    assert.equal((await getRelease(env.db, id))!.currentStep, 0);
    await resumeRelease(env.db, operator, { id });
    const moved = await tickUntil(a, svc, id, (o) => o.action === "advanced");
    assert.equal(moved.at(-1)?.action, "advanced", "today's auto-advance goes on after resume");
  });

  it("files an approval request at a step until approval and advances once another user approves", { timeout: 180_000 }, async () => {
    const svc = "plan-approval";
    const id = await begin(svc, "30:approval, 60:approval");
    assert.equal((await getRelease(env.db, id))!.nextTransition?.kind, "approval");
    const a = analyzer();
    await a.tick(env.db);
    const seen = await tickUntil(a, svc, id, (o) => o.action === "awaiting_approval");
    assert.equal(seen.at(-1)?.action, "awaiting_approval", JSON.stringify(seen));
    const pending = await env.db.approvalRequest.findMany({ where: { releaseId: id } });
    assert.equal(pending.length, 1);
    assert.equal(pending[0].status, "PENDING");
    assert.equal(pending[0].requestedBy, "system");
    assert.equal(pending[0].percent, 60);
    // Another tick does not file a second request; a person's step is held by the same gate.
    await tickUntil(a, svc, id, () => true, 1);
    assert.equal(await env.db.approvalRequest.count({ where: { releaseId: id } }), 1);
    await assert.rejects(stepRelease(env.db, operator, { id }), (e) => isAppError(e) && e.reason === "approval_required");
    assert.equal((await gw.getUpstream(svc))!.gray.percent, 30);

    const ok = await approveApproval(env.db, admin, id, { id: pending[0].id, comment: "looks good" });
    assert.equal(ok.status, "APPROVED");
    const r = (await getRelease(env.db, id))!;
    assert.equal(r.currentStep, 1);
    assert.equal(r.percent, 60);
    assert.equal((await gw.getUpstream(svc))!.gray.percent, 60);
    const actions = r.timeline.map((e) => e.action);
    assert.deepEqual(actions.slice(-3), ["release.approval_request", "release.approve", "release.step"]);
    assert.equal((await env.db.approvalRequest.findUnique({ where: { id: pending[0].id } }))!.status, "USED");

    // The last step "until approval": its way out is the promotion, asked for the same way.
    assert.equal(r.nextTransition?.kind, "approval");
    await a.tick(env.db);
    const last = await tickUntil(a, svc, id, (o) => o.action === "awaiting_approval");
    assert.equal(last.at(-1)?.action, "awaiting_approval", JSON.stringify(last));
    const promote = await env.db.approvalRequest.findFirst({ where: { releaseId: id, status: "PENDING" } });
    assert.equal(promote?.kind, "promote");
    assert.equal(promote?.requestedBy, "system");
    const { promoteRelease } = await import("@/lib/releases/mutations");
    await assert.rejects(promoteRelease(env.db, operator, { id }), (e) => isAppError(e) && e.reason === "approval_required");
    assert.equal((await getRelease(env.db, id))!.status, "OPEN");
    await approveApproval(env.db, admin, id, { id: promote!.id, comment: "ship it" });
    const done = (await getRelease(env.db, id))!;
    assert.equal(done.status, "PROMOTED");
    assert.equal(done.endedBy, admin.email);
  });

  it("rolls back instead of advancing when the analysis is unhealthy", { timeout: 180_000 }, async () => {
    const svc = "plan-breach";
    const id = await begin(svc, "30:0, 60:0");
    const cNode = env.backends.nodes[2];
    const a = analyzer();
    await a.tick(env.db);
    await env.backends.control(cNode.port, "status?code=500");
    let seen: TickOutcome[];
    try {
      seen = await tickUntil(a, svc, id, (o) => o.action !== "none", 4);
    } finally {
      await env.backends.control(cNode.port, "reset");
    }
    assert.equal(seen.at(-1)?.action, "rolled_back", JSON.stringify(seen));
    assert.ok(seen.every((o) => o.action !== "advanced"));
    const r = (await getRelease(env.db, id))!;
    assert.equal(r.status, "ROLLED_BACK");
    assert.equal(r.endedBy, "system");
    assert.equal(r.timeline.filter((e) => e.action === "release.step").length, 1, "only the person's first step");
  });

  it("the leader-locked runner, ticking at the interval from the environment, follows the plan", { timeout: 180_000 }, async () => {
    const svc = "plan-runner";
    const id = await begin(svc, "30:0.01, 60:manual");
    process.env.DATABASE_URL = env.url;
    process.env.GRAYLANE_ANALYZE_INTERVAL_MS = "300";
    process.env.GRAYLANE_ANALYZE_P95_MIN_DELTA_MS = "60000";
    const { startReleaseAnalyzer } = await import("@/lib/releases/runner");
    const runner = startReleaseAnalyzer({ databaseUrl: env.url });
    try {
      let r = (await getRelease(env.db, id))!;
      for (let i = 0; i < 40 && r.currentStep === 0; i++) {
        await traffic(svc);
        r = (await getRelease(env.db, id))!;
      }
      assert.equal(r.currentStep, 1, JSON.stringify(r.analysis));
      assert.equal(r.timeline.at(-1)?.actorEmail, "system");
      // The manual step holds: more traffic, more ticks, no move.
      await traffic(svc);
      await traffic(svc);
      assert.equal((await getRelease(env.db, id))!.currentStep, 1);
    } finally {
      await runner.stop();
      const { db } = await import("@/lib/db");
      await db.$disconnect();
    }
  });
});
