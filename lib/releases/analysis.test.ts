import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deltaCounters, judge, quantileMs, windowSides, type NodeCounters, type ServiceSample } from "./analysis";

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, Infinity];

/** Counters for `n` requests of which `e` were 5xx, all with latency `sec`. */
function counters(n: number, e: number, sec: number): NodeCounters {
  const idx = BOUNDS.findIndex((b) => sec <= b);
  return {
    requests: n,
    errors5xx: e,
    latencyCount: n,
    latencySumSec: n * sec,
    bounds: BOUNDS,
    cumulative: BOUNDS.map((_, i) => (i >= idx ? n : 0)),
    ejected: false,
  };
}

function add(a: NodeCounters, b: NodeCounters): NodeCounters {
  return { ...a, requests: a.requests + b.requests, errors5xx: a.errors5xx + b.errors5xx, latencyCount: a.latencyCount + b.latencyCount, latencySumSec: a.latencySumSec + b.latencySumSec, cumulative: a.cumulative.map((v, i) => v + b.cumulative[i]) };
}

describe("quantileMs", () => {
  it("interpolates inside the bucket holding the rank", () => {
    // 100 requests: 50 ≤ 5 ms, 50 in (5, 10] ms → p95 at 90% of the second bucket.
    const cum = BOUNDS.map((_, i) => (i === 0 ? 50 : 100));
    assert.equal(Math.round(quantileMs(BOUNDS, cum, 0.95)! * 10) / 10, 9.5);
  });
  it("is null without samples and the last finite bound in +Inf", () => {
    assert.equal(quantileMs(BOUNDS, BOUNDS.map(() => 0), 0.95), null);
    const cum = BOUNDS.map((_, i) => (i === BOUNDS.length - 1 ? 10 : 0));
    assert.equal(quantileMs(BOUNDS, cum, 0.95), 10_000);
  });
});

describe("deltaCounters", () => {
  it("subtracts, and restarts from zero when a counter went down", () => {
    const d = deltaCounters(counters(100, 1, 0.003), counters(250, 4, 0.003));
    assert.equal(d.requests, 150);
    assert.equal(d.errors5xx, 3);
    assert.equal(d.cumulative.at(-1), 150);
    const r = deltaCounters(counters(500, 10, 0.003), counters(20, 0, 0.003));
    assert.equal(r.requests, 20);
  });
});

describe("judge", () => {
  const stable = (n: number, e: number, sec = 0.004) => ({ requests: n, errors5xx: e, errorRate: n ? e / n : null, p95Ms: sec * 1000, latencyCount: n });
  it("breaches on a 5xx rate above stable + 1 point with enough gray requests", () => {
    const v = judge(stable(150, 30), stable(1000, 5));
    assert.equal(v.status, "breach");
    assert.equal(v.breaches[0].kind, "error_rate");
  });
  it("waits for 100 gray requests before judging the 5xx rate", () => {
    const v = judge(stable(99, 99), stable(1000, 0));
    assert.equal(v.status, "insufficient");
    assert.equal(v.breaches.length, 0);
  });
  it("tolerates a gray rate within one point of stable", () => {
    assert.equal(judge(stable(1000, 15), stable(1000, 6)).status, "healthy");
  });
  it("breaches when gray p95 is above 1.5× stable and clearly slower", () => {
    const v = judge(stable(200, 0, 0.3), stable(1000, 0, 0.02));
    assert.equal(v.status, "breach");
    assert.equal(v.breaches[0].kind, "latency");
  });
  it("ignores a ratio on fast pools that is within bucket noise", () => {
    assert.equal(judge(stable(200, 0, 0.008), stable(1000, 0, 0.004)).status, "healthy");
  });
});

describe("windowSides", () => {
  it("sums gray and stable deltas across gateways", () => {
    const prev: ServiceSample = { at: 0, gateways: { a: { g: counters(10, 0, 0.003), s: counters(100, 0, 0.003) }, b: { g: counters(0, 0, 0.003), s: counters(50, 0, 0.003) } } };
    const curr: ServiceSample = {
      at: 5000,
      gateways: {
        a: { g: add(prev.gateways.a.g, counters(60, 30, 0.003)), s: add(prev.gateways.a.s, counters(400, 0, 0.003)) },
        b: { g: counters(60, 30, 0.003), s: add(prev.gateways.b.s, counters(400, 4, 0.003)) },
      },
    };
    const sides = windowSides(prev, curr, (a) => a === "g", (a) => a === "s");
    assert.equal(sides.gray.requests, 120);
    assert.equal(sides.gray.errors5xx, 60);
    assert.equal(sides.stable.requests, 800);
    assert.equal(judge(sides.gray, sides.stable).status, "breach");
  });
});
