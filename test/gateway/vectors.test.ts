// test/vectors/contract.json through the admin API of a real gateway (nginx + the real Lua):
// each value is PUT where it lives in a service document, and the gateway must accept or refuse
// it as the vector says, store the canonical form, and accept what the portal makes of the
// values the portal normalises. lib/contract/vectors.test.ts runs the same vectors against the
// TypeScript schemas; a vector whose `why` starts with "known difference" records today's
// gateway behaviour for a bug reported to the Lua owner (none at the moment).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bodyFor, CATEGORIES, label, storedOf, vectors, type Category } from "../vectors/contract";
import { gateway, type TestGateway } from "../support/gateway";
import type { Res } from "../support/http";

let gw: TestGateway;
before(async () => {
  gw = await gateway({ workers: 1 });
});
after(async () => {
  await gw?.stop();
});

/** The field a refusal of each category must name: the gateway refused this value, not something else. */
const FIELD: Record<Category, RegExp> = {
  addresses: /^nodes\[0\]\.addr$/,
  names: /^name$/,
  cidrs: /^gray\.cidrs/,
  headerNames: /^gray\.header\.name$/,
  cookieNames: /^gray\.cookie\.name$/,
  matchValues: /^gray\.header\.value$/,
  percents: /^gray\.percent$/,
  matchRules: /^gray\.match\[0\]/,
  percentKeys: /^gray\.percent_key/,
};

const service = (category: Category) => `vectors-${category.toLowerCase()}`;

/** true: accepted, false: refused for this value (anything else fails the test). */
function verdict(category: Category, r: Res): boolean {
  // A valid name in the body differs from the path's: the name rule passed, the mismatch refused it.
  if (r.status === 200 || r.status === 201 || (category === "names" && r.json?.error?.code === "name_mismatch")) return true;
  assert.equal(r.status, 400, r.text);
  assert.match(String(r.json?.error?.field), FIELD[category], `refused for another reason: ${r.text}`);
  return false;
}

async function put(category: Category, value: unknown): Promise<{ accepted: boolean; stored?: unknown }> {
  const r = await gw.admin("PUT", `/v1/upstreams/${service(category)}`, bodyFor(category, value));
  const accepted = verdict(category, r);
  if (!accepted || category === "names") return { accepted };
  const got = await gw.admin("GET", `/v1/upstreams/${service(category)}`);
  assert.equal(got.status, 200, got.text);
  return { accepted, stored: storedOf(category, got.json) };
}

describe("shared contract vectors (real gateway)", () => {
  for (const category of CATEGORIES) {
    describe(category, () => {
      for (const v of vectors[category]) {
        it(label(v.value), async () => {
          const { accepted, stored } = await put(category, v.value);
          // Known differences (a Lua bug) are written into the vector's `gateway` with a `why`: today's behaviour.
          assert.equal(accepted, v.gateway, v.why ?? v.note ?? "");
          if (accepted && !v.why && "canonical" in v) assert.deepEqual(stored, v.canonical, "stored form");
          if (v.portal && v.why?.startsWith("portal normalises")) {
            // What the portal sends after normalising: accepted, and stored as the portal stores it.
            const sent = await put(category, v.canonical);
            assert.equal(sent.accepted, true, "the portal's normalised value");
            if (category !== "names") assert.deepEqual(sent.stored, v.canonical, "stored form of the normalised value");
          }
        });
      }
    });
  }
});
