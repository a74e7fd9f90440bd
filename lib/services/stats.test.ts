import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeStats } from "@/lib/gateways/types";
import { mergeRates, rates, SampleHistory } from "./stats";

const ns = (requests: number, fivexx = 0, inFlight = 0): NodeStats => ({ requests, status: { "2xx": requests - fivexx, "5xx": fivexx }, failures: 0, inFlight });

describe("rates", () => {
  it("has no rate from one sample", () => {
    const r = rates(null, { at: 1000, stats: { shop: { "a:1": ns(10, 0, 2) } } });
    assert.equal(r.shop.rps, null);
    assert.equal(r.shop.inFlight, 2);
    assert.equal(r.shop.nodes["a:1"].rps, null);
  });
  it("computes requests/s and 5xx share over the window", () => {
    const r = rates(
      { at: 0, stats: { shop: { "a:1": ns(100, 0), "b:1": ns(0) } } },
      { at: 2000, stats: { shop: { "a:1": ns(300, 20), "b:1": ns(100, 0) } } },
    );
    assert.equal(r.shop.nodes["a:1"].rps, 100);
    assert.equal(r.shop.nodes["a:1"].errorRate, 0.1);
    assert.equal(r.shop.nodes["b:1"].rps, 50);
    assert.equal(r.shop.rps, 150);
    assert.equal(r.shop.errorRate, 20 / 300);
  });
  it("ignores counters that went backwards (gateway restarted)", () => {
    const r = rates({ at: 0, stats: { shop: { "a:1": ns(500) } } }, { at: 1000, stats: { shop: { "a:1": ns(5) } } });
    assert.equal(r.shop.nodes["a:1"].rps, null);
    assert.equal(r.shop.rps, null);
  });
  it("a node with no traffic has no error rate", () => {
    const r = rates({ at: 0, stats: { s: { "a:1": ns(5) } } }, { at: 1000, stats: { s: { "a:1": ns(5) } } });
    assert.equal(r.s.nodes["a:1"].rps, 0);
    assert.equal(r.s.nodes["a:1"].errorRate, null);
  });
});

describe("mergeRates", () => {
  it("adds rates over gateways and weights the 5xx share by traffic", () => {
    const g1 = rates({ at: 0, stats: { s: { "a:1": ns(0) } } }, { at: 1000, stats: { s: { "a:1": ns(100, 10) } } });
    const g2 = rates({ at: 0, stats: { s: { "a:1": ns(0) } } }, { at: 1000, stats: { s: { "a:1": { ...ns(300, 0), ejected: true } } } });
    const m = mergeRates([g1, g2]);
    assert.equal(m.s.rps, 400);
    assert.equal(m.s.nodes["a:1"].errorRate, 10 / 400);
    assert.equal(m.s.nodes["a:1"].ejected, true);
  });
  it("keeps null when no gateway has a rate yet", () => {
    const m = mergeRates([rates(null, { at: 0, stats: { s: { "a:1": ns(1) } } })]);
    assert.equal(m.s.rps, null);
  });
});

describe("SampleHistory", () => {
  it("returns a baseline at least the window old", () => {
    const h = new SampleHistory(1000, 10000);
    const s = (at: number) => ({ at, stats: {} });
    assert.equal(h.push("g", s(0)), null);
    assert.equal(h.push("g", s(500)), null);
    assert.equal(h.push("g", s(1200))?.at, 0);
    assert.equal(h.push("g", s(2000))?.at, 500);
    assert.equal(h.push("g", s(20000)), null);
  });
});
