import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyNodeChange, computeImpact, hasStableCapable, impactOfChange, NodeChangeError } from "./impact";
import type { DesiredNode } from "./state";

const n = (addr: string, state: DesiredNode["state"] = "active", backup = false): DesiredNode => ({ addr, weight: 1, state, backup });
const four = [n("10.0.0.1:80"), n("10.0.0.2:80"), n("10.0.0.3:80"), n("10.0.0.4:80", "gray")];

describe("impact", () => {
  it("draining one of three stable nodes leaves 2 of 4 in the stable pool", () => {
    const i = impactOfChange(four, { kind: "state", addr: "10.0.0.1:80", state: "draining" });
    assert.equal(i.stableBefore, 3);
    assert.equal(i.stableAfter, 2);
    assert.equal(i.totalBefore, 4);
    assert.equal(i.reducesStable, true);
    assert.equal(i.leavesNoStable, false);
  });

  it("removing a gray node does not reduce the stable pool", () => {
    const i = impactOfChange(four, { kind: "remove", addr: "10.0.0.4:80" });
    assert.equal(i.reducesStable, false);
    assert.equal(i.totalAfter, 3);
  });

  it("taking the last active node down leaves no stable node", () => {
    const i = impactOfChange([n("a:1"), n("b:1", "gray")], { kind: "state", addr: "a:1", state: "down" });
    assert.equal(i.leavesNoStable, true);
  });

  it("an active backup still counts as stable-capable (gateway rule)", () => {
    const nodes = [n("a:1"), n("b:1", "active", true)];
    const i = impactOfChange(nodes, { kind: "remove", addr: "a:1" });
    assert.equal(i.stableAfter, 0);
    assert.equal(i.backupAfter, 1);
    assert.equal(i.leavesNoStable, false);
    assert.equal(i.reducesStable, true);
  });

  it("removing the last node leaves no stable node", () => {
    assert.equal(impactOfChange([n("a:1")], { kind: "remove", addr: "a:1" }).leavesNoStable, true);
  });

  it("an empty service stays empty without a refusal", () => {
    assert.equal(computeImpact([], []).leavesNoStable, false);
  });

  it("like the gateway, only taking away the last stable-capable node is refused", () => {
    assert.equal(computeImpact([], [n("a:1", "gray")]).leavesNoStable, false);
    assert.equal(computeImpact([n("a:1", "gray")], [n("a:1", "down")]).leavesNoStable, false);
    assert.equal(hasStableCapable([n("a:1", "gray")]), false);
  });
});

describe("applyNodeChange", () => {
  it("adds, refusing duplicates case-insensitively", () => {
    assert.equal(applyNodeChange(four, { kind: "add", node: n("10.0.0.5:80") }).length, 5);
    assert.throws(() => applyNodeChange([n("host:80")], { kind: "add", node: n("HOST:80") }), NodeChangeError);
  });
  it("refuses an unknown node", () => {
    assert.throws(() => applyNodeChange(four, { kind: "remove", addr: "10.9.9.9:80" }), (e: unknown) => e instanceof NodeChangeError && e.reason === "node_not_found");
  });
  it("changes weight/backup/state without touching the input", () => {
    const out = applyNodeChange(four, { kind: "weight", addr: "10.0.0.2:80", weight: 9 });
    assert.equal(out[1].weight, 9);
    assert.equal(four[1].weight, 1);
    assert.equal(applyNodeChange(four, { kind: "backup", addr: "10.0.0.2:80", backup: true })[1].backup, true);
  });
});
