// Drift test of shared contract #1: the portal's limits and the gateway's
// (lua/graylane/contract.lua, read as text: no Lua interpreter needed) are the same numbers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import * as limits from "./limits";

const LUA_DIR = path.join(import.meta.dirname, "../../lua/graylane");

/** `NAME = <integer>` from a Lua source, or null when it does not set it to a literal. */
function luaNumber(source: string, name: string): number | null {
  const m = new RegExp(`\\b${name}\\s*=\\s*(\\d+)\\s*[,\\n]`).exec(source);
  return m ? Number(m[1]) : null;
}

describe("shared contract: limits", () => {
  const contract = readFileSync(path.join(LUA_DIR, "contract.lua"), "utf8");

  const pairs: [lua: string, ts: keyof typeof limits][] = [
    ["MAX_NODES", "MAX_NODES_PER_SERVICE"],
    ["NAME_MAX", "SERVICE_NAME_MAX"],
    ["WEIGHT_MIN", "WEIGHT_MIN"],
    ["WEIGHT_MAX", "WEIGHT_MAX"],
    ["PERCENT_MIN", "PERCENT_MIN"],
    ["PERCENT_MAX", "PERCENT_MAX"],
    ["PERCENT_DECIMALS", "PERCENT_DECIMALS"],
    ["MAX_CIDRS", "MAX_CIDRS"],
  ];
  for (const [lua, ts] of pairs) {
    it(`the gateway's ${lua} is the portal's ${ts}`, () => {
      assert.equal(luaNumber(contract, lua), limits[ts]);
    });
  }

  it("the node limit is 512 (contract #1)", () => {
    assert.equal(limits.MAX_NODES_PER_SERVICE, 512);
  });

  it("no other Lua module hard-codes its own copy of a contract number", () => {
    const validate = readFileSync(path.join(LUA_DIR, "validate.lua"), "utf8");
    for (const [lua] of pairs) assert.equal(luaNumber(validate, lua), null, `validate.lua must read ${lua} from graylane.contract`);
  });

  it("service names: the same first-character rule as the gateway's NAME_PATTERN", () => {
    assert.match(contract, /NAME_PATTERN = "\^\[A-Za-z0-9_-\]\[A-Za-z0-9._-\]\*\$"/);
    for (const ok of ["shop", "a", "_x", "-x", "a.b", "x".repeat(64)]) assert.ok(limits.SERVICE_NAME_RE.test(ok), ok);
    for (const bad of [".", "..", ".hidden", "", "x".repeat(65), "a/b", "a b"]) assert.ok(!limits.SERVICE_NAME_RE.test(bad), bad);
  });
});
