// Auto-advance (issue 4): a release that asks for it moves to its next traffic step on its
// own after a healthy dwell time, audited with the system actor and pushed to the gateway;
// a release that does not ask for it stays, under the same analyzer, traffic and time.
import assert from "node:assert/strict";
import { it } from "node:test";
import { ReleaseAnalyzer, analyzerOptionsFromEnv } from "@/lib/releases/analyzer";
import { startRelease, stepRelease } from "@/lib/releases/mutations";
import { getRelease } from "@/lib/releases/read";
import { startReleaseSchema } from "@/lib/validations/release";
import { assertSystemStep, makeService, operator, sleep, spread, withEnv } from "./helpers";

const env = withEnv(3, async (env) => {
});

it("advances after a healthy dwell only when the release asks for it", { timeout: 120_000 }, async () => {
  const [A, B, C] = env.backends.addrs;
  const DWELL_MS = 1000;
  const ids: Record<"on" | "off", string> = { on: "", off: "" };
  for (const mode of ["on", "off"] as const) {
    await makeService(env, `adv-${mode}`, [A, B, C]);
    const r = await startRelease(env.db, operator, startReleaseSchema.parse({ service: `adv-${mode}`, version: "v2", targets: [C], steps: "30, 60", autoAdvance: mode === "on" }));
    ids[mode] = r.releaseId;
    await stepRelease(env.db, operator, { id: r.releaseId }); // → 30 %
  }
  // The dwell from the environment variable the portal reads, as the runner does. Health is
  // the 5xx rate here: on a busy 2-core machine one node's p95 can jump 10× for a moment, and
  // a latency breach would roll the release back (flow.test.ts covers the rollback).
  const analyzer = new ReleaseAnalyzer(
    analyzerOptionsFromEnv({ ...process.env, GRAYLANE_AUTO_ADVANCE_DWELL_MS: String(DWELL_MS), GRAYLANE_ANALYZE_P95_MIN_DELTA_MS: "60000" }),
  );
  const byId = (out: Awaited<ReturnType<ReleaseAnalyzer["tick"]>>, id: string) => out.find((o) => o.releaseId === id)!;
  const traffic = async (base: number) => {
    await spread(env.gw.proxyUrl, "adv-on", 600, { base });
    await spread(env.gw.proxyUrl, "adv-off", 600, { base });
    await sleep(700); // the gateway flushes counters every 0.5 s
  };

  await analyzer.tick(env.db); // the window's first sample
  await traffic(40);
  const healthy = await analyzer.tick(env.db);
  for (const id of [ids.on, ids.off]) {
    assert.equal(byId(healthy, id).verdict?.status, "healthy", JSON.stringify(byId(healthy, id).verdict));
    assert.equal(byId(healthy, id).action, "none", "healthy, but not yet for the dwell time");
  }
  assert.equal((await getRelease(env.db, ids.on))!.currentStep, 0);

  await sleep(DWELL_MS + 100);
  await traffic(41);
  const out = await analyzer.tick(env.db);
  assert.equal(byId(out, ids.on).action, "advanced", JSON.stringify(byId(out, ids.on)));
  assert.equal(byId(out, ids.off).action, "none");
  assert.equal(byId(out, ids.off).verdict?.status, "healthy", "off stays although it is just as healthy");

  const on = (await getRelease(env.db, ids.on))!;
  assert.equal(on.status, "OPEN");
  const step = assertSystemStep(env, on, { step: 1, percent: 60 });
  assert.equal((step.after as { release?: { percent?: number } }).release?.percent, 60);
  assert.equal((await env.admin.getUpstream("adv-on"))!.gray.percent, 60, "the gateway got the new step");

  const off = (await getRelease(env.db, ids.off))!;
  assert.equal(off.currentStep, 0);
  assert.equal(off.percent, 30);
  assert.ok(off.timeline.every((e) => e.actorEmail === operator.email), "no system step on the release without auto-advance");
  assert.equal((await env.admin.getUpstream("adv-off"))!.gray.percent, 30);

  // At the end of its plan it stays put however long it is healthy.
  await analyzer.tick(env.db);
  await traffic(42);
  await analyzer.tick(env.db);
  await sleep(DWELL_MS + 100);
  await traffic(43);
  const end = await analyzer.tick(env.db);
  assert.equal(byId(end, ids.on).verdict?.status, "healthy");
  assert.equal(byId(end, ids.on).action, "none");
  assert.equal((await getRelease(env.db, ids.on))!.currentStep, 1);
});
