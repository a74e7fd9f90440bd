// The sampler against a real gateway and PostgreSQL: traffic through the gateway becomes
// per-node rows; the graphs' reads turn them into rates, 5xx shares and p95 per node and gray
// vs stable per release; old rows go after the retention.
import assert from "node:assert/strict";
import { it } from "node:test";
import { getNodeSeries, getReleaseSeries } from "@/lib/metrics/series";
import { invalidateShared } from "@/lib/metrics/shared-read";
import { Sampler } from "@/lib/metrics/sampler";
import { rollbackRelease, startRelease, stepRelease } from "@/lib/releases/mutations";
import { startReleaseSchema } from "@/lib/validations/release";
import { makeService, operator, sleep, spread, withEnv } from "../releases/helpers";

const env = withEnv(3, async (env) => {
});

it("turns gateway counters into per-node samples and series, gray vs stable per release, with retention", async () => {
  const svc = "graphs";
  const [A, B, C] = env.backends.addrs;
  const [, , cNode] = env.backends.nodes;
  await makeService(env, svc, [A, B, C]);
  const sampler = new Sampler({ intervalMs: 10_000, retentionMs: 3_600_000 });
  assert.equal(await sampler.tick(env.db), 0, "the first pass only sets the baseline");

  await spread(env.gw.proxyUrl, svc, 300, { base: 40 });
  await sleep(700); // the gateway flushes counters every 0.5 s
  const stored = await sampler.tick(env.db);
  assert.equal(stored, 3, "one row per busy node");
  const rows = await env.db.nodeSample.findMany({ where: { service: svc } });
  assert.equal(rows.reduce((s, r) => s + r.requests, 0), 300);
  assert.ok(rows.every((r) => r.p95Ms !== null && r.buckets.length === r.bounds.length + 1));

  const series = await getNodeSeries(env.db, svc);
  assert.deepEqual(Object.keys(series.nodes).sort(), [A, B, C].sort());
  for (const points of Object.values(series.nodes)) {
    assert.equal(points.length, 1);
    assert.ok(points[0].rps > 0 && points[0].errorRate === 0 && points[0].p95Ms !== null, JSON.stringify(points));
  }

  // A release whose gray node fails: the release series shows gray's 5xx apart from stable's.
  const r = await startRelease(env.db, operator, startReleaseSchema.parse({ service: svc, version: "v2", targets: [C], steps: "50" }));
  await stepRelease(env.db, operator, { id: r.releaseId });
  await env.backends.control(cNode.port, "status?code=500");
  try {
    await spread(env.gw.proxyUrl, svc, 300, { base: 41 });
    await sleep(700);
    await sampler.tick(env.db);
  } finally {
    await env.backends.control(cNode.port, "reset");
  }
  const rs = (await getReleaseSeries(env.db, r.releaseId))!;
  assert.equal(rs.gray.length, 1);
  assert.equal(rs.gray[0].errorRate, 1);
  assert.equal(rs.stable[0].errorRate, 0);
  assert.deepEqual(rs.steps.map((s) => s.percent), [50]);
  await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "" });

  // Retention: a pass far in the future deletes every row older than the retention.
  await sampler.tick(env.db, undefined, Date.now() + 2 * 3_600_000);
  assert.equal(await env.db.nodeSample.count({ where: { service: svc } }), 0);
  invalidateShared("series:", { prefix: true });
  assert.deepEqual((await getNodeSeries(env.db, svc)).nodes, {});
});
