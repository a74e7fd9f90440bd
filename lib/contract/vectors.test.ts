// test/vectors/contract.json against the TypeScript side: the contract's wire schema must take
// exactly what the gateway takes, and the portal's schemas (lib/validations) what the vectors
// say the portal takes, producing the canonical form. test/gateway/vectors.test.ts runs the same
// vectors through a real gateway.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nodeSchema } from "@/lib/validations/node";
import { grayRuleSchema, serviceNameSchema } from "@/lib/validations/service";
import { bodyFor, CATEGORIES, label, storedOf, vectors, type Category } from "../../test/vectors/contract";
import { putServiceBody } from "./schema";

/** The portal's schema for a category: accepted → the stored value, refused → undefined. */
function portal(category: Category, value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (category === "addresses") {
    const r = nodeSchema.safeParse({ addr: value });
    return r.success ? { ok: true, value: r.data.addr } : { ok: false };
  }
  if (category === "names") {
    const r = serviceNameSchema.safeParse(value);
    return r.success ? { ok: true, value: r.data } : { ok: false };
  }
  const r = grayRuleSchema.safeParse(bodyFor(category, value).gray);
  return r.success ? { ok: true, value: storedOf(category, { gray: r.data }) } : { ok: false };
}

describe("shared contract vectors (TypeScript)", () => {
  for (const category of CATEGORIES) {
    describe(category, () => {
      for (const v of vectors[category]) {
        it(label(v.value), () => {
          if (v.gateway !== v.portal) assert.match(v.why ?? "", /^(portal normalises|known difference): /, "a difference must say why");
          const wire = putServiceBody.safeParse(bodyFor(category, v.value));
          assert.equal(wire.success, v.gateway || Boolean(v.newNodePolicy), `contract schema: ${wire.error?.issues[0]?.message ?? "accepted"}`);
          const p = portal(category, v.value);
          assert.equal(p.ok, v.portal, "portal schema");
          if (p.ok) {
            if ("canonical" in v) assert.deepEqual(p.value, v.canonical, "canonical form");
            // What the portal sends is what the gateway takes.
            assert.ok(putServiceBody.safeParse(bodyFor(category, p.value)).success, "portal output passes the contract");
          }
        });
      }
    });
  }
});
