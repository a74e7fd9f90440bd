import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { delayAfter, FIRST_DELAY_MS, MAX_DELAY_MS, retryAtFrom } from "./login-throttle";

const at = (min: number) => new Date(Date.UTC(2025, 0, 1, 12, min));

describe("login throttle delays", () => {
  it("lets the free failures through, then doubles the wait up to the cap", () => {
    assert.equal(delayAfter(4, 5), 0);
    assert.equal(delayAfter(5, 5), FIRST_DELAY_MS);
    assert.equal(delayAfter(6, 5), 2 * FIRST_DELAY_MS);
    assert.equal(delayAfter(7, 5), 4 * FIRST_DELAY_MS);
    assert.equal(delayAfter(40, 5), MAX_DELAY_MS);
  });

  it("counts the wait from the newest failure", () => {
    assert.equal(retryAtFrom([at(3), at(2), at(1)], 5), null);
    assert.deepEqual(retryAtFrom([at(9), at(8), at(7), at(6), at(5), at(4)], 5), new Date(at(9).getTime() + 2 * FIRST_DELAY_MS));
  });
});
