import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonDiff } from "./json-diff";

describe("jsonDiff", () => {
  it("lists changed, added and removed paths", () => {
    const d = jsonDiff({ revision: 3, state: "active", weight: 1, gone: true }, { revision: 4, state: "draining", weight: 1, extra: "x" });
    assert.deepEqual(d, [
      { path: "revision", kind: "changed", before: 3, after: 4 },
      { path: "state", kind: "changed", before: "active", after: "draining" },
      { path: "weight", kind: "same", before: 1, after: 1 },
      { path: "gone", kind: "removed", before: true },
      { path: "extra", kind: "added", after: "x" },
    ]);
  });
  it("expands an added object (node.add) field by field", () => {
    assert.deepEqual(jsonDiff(null, { addr: "a:1", weight: 2 }), [
      { path: "addr", kind: "added", after: "a:1" },
      { path: "weight", kind: "added", after: 2 },
    ]);
  });
  it("keys node arrays by addr", () => {
    const d = jsonDiff({ nodes: [{ addr: "a:1", weight: 1 }, { addr: "b:1", weight: 1 }] }, { nodes: [{ addr: "b:1", weight: 1 }] });
    assert.deepEqual(d.filter((l) => l.kind !== "same").map((l) => [l.path, l.kind]), [
      ["nodes[a:1].addr", "removed"],
      ["nodes[a:1].weight", "removed"],
    ]);
  });
});
