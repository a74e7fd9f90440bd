import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeHealth } from "./health";

test("a node no request reached is unknown, not OK; ejected wins; served traffic is OK", () => {
  assert.equal(nodeHealth(undefined), "unknown");
  assert.equal(nodeHealth({ requests: 0, ejected: false }), "unknown");
  assert.equal(nodeHealth({ requests: 0, ejected: null }), "unknown");
  assert.equal(nodeHealth({ requests: 0, ejected: true }), "ejected");
  assert.equal(nodeHealth({ requests: 12, ejected: true }), "ejected");
  assert.equal(nodeHealth({ requests: 12, ejected: false }), "ok");
});
