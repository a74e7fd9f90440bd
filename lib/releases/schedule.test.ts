import assert from "node:assert/strict";
import { it } from "node:test";
import { dwellDue, effectivePlan, heldForApproval, nextTransition, stepGate, storedPlan } from "./schedule";

const plan = [
  { percent: 1, dwell: 10 },
  { percent: 5, dwell: "approval" as const },
  { percent: 25, dwell: "manual" as const },
  { percent: 50, dwell: 5 },
];

it("reads a stored plan and refuses anything else", () => {
  assert.deepEqual(storedPlan(plan), plan);
  assert.equal(storedPlan(null), null);
  assert.equal(storedPlan([{ percent: "1", dwell: 3 }]), null);
});

it("reads a plain steps list with today's semantics", () => {
  assert.deepEqual(effectivePlan({ plan: null, steps: [1, 5], autoAdvance: false }, 60_000), [
    { percent: 1, dwell: "manual" },
    { percent: 5, dwell: "manual" },
  ]);
  assert.deepEqual(effectivePlan({ plan: null, steps: [1], autoAdvance: true }, 120_000), [{ percent: 1, dwell: 2 }]);
});

it("computes the next transition", () => {
  const t0 = "2026-12-02T10:00:00.000Z";
  assert.deepEqual(nextTransition(plan, -1, undefined, false), { kind: "first" });
  assert.deepEqual(nextTransition(plan, 0, t0, false), { kind: "timed", at: "2026-12-02T10:10:00.000Z" });
  assert.deepEqual(nextTransition(plan, 0, t0, true), { kind: "paused" });
  assert.deepEqual(nextTransition(plan, 1, t0, false), { kind: "approval" });
  assert.deepEqual(nextTransition(plan, 2, t0, false), { kind: "manual" });
  assert.deepEqual(nextTransition(plan, 3, t0, false), { kind: "end" });
});

it("is due only after a timed dwell, always at an approval gate, never when manual or at the end", () => {
  const t0 = Date.parse("2026-12-02T10:00:00.000Z");
  const at = new Date(t0).toISOString();
  assert.equal(dwellDue(plan, 0, at, t0 + 9 * 60_000), false);
  assert.equal(dwellDue(plan, 0, at, t0 + 10 * 60_000), true);
  assert.equal(dwellDue(plan, 1, at, t0), true);
  assert.equal(dwellDue(plan, 2, at, t0 + 1e9), false);
  assert.equal(dwellDue(plan, 3, at, t0 + 1e9), false);
  assert.equal(stepGate(null, 0), null);
});

it("holds for an approval at an approval step, the last one included (its way out is the promotion)", () => {
  const p = [{ percent: 10, dwell: 5 }, { percent: 50, dwell: "approval" as const }];
  assert.equal(heldForApproval(p, 0), false);
  assert.equal(heldForApproval(p, 1), true);
  assert.equal(heldForApproval(p, -1), false);
  assert.equal(heldForApproval(null, 1), false);
  assert.deepEqual(nextTransition(p, 1, "2026-12-02T10:00:00.000Z", false), { kind: "approval" });
});
