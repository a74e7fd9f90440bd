import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { retryAtFrom } from "./login-throttle";

const WINDOW = 15 * 60_000;
const at = (min: number) => new Date(Date.UTC(2025, 0, 1, 12, min));

describe("login throttle window", () => {
  it("does not block below the limit", () => {
    assert.equal(retryAtFrom([at(0), at(1), at(2), at(3)], 5, WINDOW), null);
  });

  it("reopens when the limit-th most recent failure leaves the window", () => {
    const failures = [at(9), at(0), at(5), at(7), at(8), at(6)];
    // 5 most recent: 9, 8, 7, 6, 5 → the 5th (12:05) leaves the window at 12:20.
    assert.deepEqual(retryAtFrom(failures, 5, WINDOW), new Date(at(5).getTime() + WINDOW));
  });
});
