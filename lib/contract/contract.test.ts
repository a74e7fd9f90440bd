// The gateway contract is written once (lib/contract): the checked-in lua/graylane/contract.lua
// is exactly what the generator makes of it, validate.lua keeps no copy of its own, and the
// OpenAPI components are the contract's JSON Schema.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { GatewayState } from "@/lib/gateways/types";
import * as limits from "./limits";
import { parse } from "yaml";
import { renderContractLua } from "./lua";
import { CONTRACT_COMPONENT_NAMES, contractComponents } from "./openapi";
import type { GatewayStateDoc } from "./schema";

const LUA_DIR = path.join(import.meta.dirname, "../../lua/graylane");

// Compile-time: the stored state the schema describes is the state the portal's client types.
const _stateIsTyped = (s: GatewayStateDoc): GatewayState => s;
void _stateIsTyped;

describe("shared contract: lua/graylane/contract.lua", () => {
  const lua = readFileSync(path.join(LUA_DIR, "contract.lua"), "utf8");

  it("is the generator's output, byte for byte (run `npm run gen:contract` and commit)", () => {
    assert.equal(lua, renderContractLua());
  });

  it("keeps the keys validate.lua reads, as literals", () => {
    const expected: Record<string, string> = {
      MAX_NODES: "512",
      NAME_MAX: "64",
      NAME_PATTERN: '"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"',
      WEIGHT_MIN: "1",
      WEIGHT_MAX: "100",
      PERCENT_MIN: "0",
      PERCENT_MAX: "100",
      PERCENT_DECIMALS: "2",
      MAX_CIDRS: "256",
      ALGORITHMS: '{ "round_robin", "ip_hash", "least_conn" }',
      NODE_STATES: '{ "active", "gray", "draining", "down" }',
      HEADER_NAME_PATTERN: '"^[A-Za-z0-9-]+$"',
      COOKIE_NAME_PATTERN: '"^[A-Za-z0-9_.-]+$"',
      MANAGER_PATTERN: '"^[A-Za-z0-9._-]+$"',
    };
    for (const [key, value] of Object.entries(expected)) {
      const m = new RegExp(`^    ${key} = (.+),$`, "m").exec(lua);
      assert.equal(m?.[1], value, key);
    }
    assert.match(lua, /^-- Generated .* do not edit\./);
  });

  it("the JavaScript and Lua patterns accept the same service names", () => {
    for (const ok of ["shop", "a", "_x", "-x", "a.b", "x".repeat(64)]) assert.ok(limits.SERVICE_NAME_RE.test(ok), ok);
    for (const bad of [".", "..", ".hidden", "", "x".repeat(65), "a/b", "a b"]) assert.ok(!limits.SERVICE_NAME_RE.test(bad), bad);
  });

  it("no other Lua module hard-codes its own copy of a contract number", () => {
    const validate = readFileSync(path.join(LUA_DIR, "validate.lua"), "utf8");
    for (const key of ["MAX_NODES", "NAME_MAX", "WEIGHT_MIN", "WEIGHT_MAX", "PERCENT_MIN", "PERCENT_MAX", "PERCENT_DECIMALS", "MAX_CIDRS"]) {
      assert.doesNotMatch(validate, new RegExp(`\\b${key}\\s*=\\s*\\d+\\s*[,\\n]`), `validate.lua must read ${key} from graylane.contract`);
    }
  });
});

/** A schema without its prose: the document may describe a component, the contract decides its rules. */
function withoutDescriptions(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDescriptions);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([k]) => k !== "description").map(([k, x]) => [k, withoutDescriptions(x)]));
  return v;
}

describe("shared contract: openapi/graylane.yaml", () => {
  it("its contract components are z.toJSONSchema of lib/contract/schema.ts", () => {
    const spec = parse(readFileSync(path.join(import.meta.dirname, "../../openapi/graylane.yaml"), "utf8"));
    const generated = contractComponents();
    assert.deepEqual(Object.keys(generated).sort(), [...CONTRACT_COMPONENT_NAMES].sort());
    for (const [name, schema] of Object.entries(generated)) {
      assert.deepEqual(withoutDescriptions(spec.components.schemas[name]), schema, `components.schemas.${name} (npm run gen:contract -- --openapi)`);
    }
  });
});
