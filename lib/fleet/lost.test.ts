import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_LOST_AFTER_MS, isLost, lostAfterFromEnv, parseDuration } from "./lost";

it("parses GRAYLANE_GATEWAY_LOST_AFTER durations and refuses others, saying what to write", () => {
  assert.equal(lostAfterFromEnv({}), DEFAULT_LOST_AFTER_MS);
  assert.equal(lostAfterFromEnv({ GRAYLANE_GATEWAY_LOST_AFTER: "90" }), 90_000);
  assert.equal(lostAfterFromEnv({ GRAYLANE_GATEWAY_LOST_AFTER: "10m" }), 600_000);
  assert.equal(parseDuration("1h"), 3_600_000);
  assert.throws(() => lostAfterFromEnv({ GRAYLANE_GATEWAY_LOST_AFTER: "soon" }), /5m or 1h/);
  assert.throws(() => lostAfterFromEnv({ GRAYLANE_GATEWAY_LOST_AFTER: "10ms" }), /at least 1s/);
});

it("a gateway is lost only when unreachable and unseen for longer than the limit", () => {
  const now = Date.parse("2026-11-30T06:00:00Z");
  const old = new Date(now - DEFAULT_LOST_AFTER_MS - 1);
  const recent = new Date(now - 1000);
  assert.equal(isLost({ lastSeenAt: old, reachable: false }, DEFAULT_LOST_AFTER_MS, now), true);
  assert.equal(isLost({ lastSeenAt: old, reachable: true }, DEFAULT_LOST_AFTER_MS, now), false);
  assert.equal(isLost({ lastSeenAt: recent, reachable: false }, DEFAULT_LOST_AFTER_MS, now), false);
  assert.equal(isLost({ lastSeenAt: null, reachable: false }, DEFAULT_LOST_AFTER_MS, now), true);
});
