import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalAddr, canonicalCidr } from "./addr";
import { addNodeSchema, createServiceSchema, updateNodeSchema } from "./node";
import { grayRuleSchema, serviceNameSchema } from "./service";

describe("canonicalAddr (mirrors the gateway)", () => {
  const cases: [string, string | null][] = [
    ["127.0.0.1:8080", "127.0.0.1:8080"],
    ["Backend.Example.COM:443", "backend.example.com:443"],
    ["[::1]:80", "[::1]:80"],
    ["[2001:DB8:0:0:0:0:0:1]:80", "[2001:db8::1]:80"],
    ["[::ffff:1.2.3.4]:80", "[::ffff:102:304]:80"],
    ["010.0.0.1:80", null],
    ["256.1.1.1:80", null],
    ["1.2.3.4", null],
    ["1.2.3.4:0", null],
    ["1.2.3.4:65536", null],
    ["host_name:80", null],
    ["-bad.example:80", null],
    ["::1:80", null],
    ["1.2.3:80", null],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => assert.equal(canonicalAddr(input), want));
  }
});

describe("canonicalCidr", () => {
  it("zeroes host bits and defaults the prefix", () => {
    assert.equal(canonicalCidr("10.1.2.3/8"), "10.0.0.0/8");
    assert.equal(canonicalCidr("192.168.1.7"), "192.168.1.7/32");
    assert.equal(canonicalCidr("2001:db8::1/32"), "2001:db8::/32");
    assert.equal(canonicalCidr("10.0.0.0/33"), null);
    assert.equal(canonicalCidr("nope"), null);
  });
});

describe("schemas", () => {
  it("service names follow the gateway rule", () => {
    assert.equal(serviceNameSchema.safeParse("shop-api_v2.1").success, true);
    assert.equal(serviceNameSchema.safeParse("").success, false);
    assert.equal(serviceNameSchema.safeParse("..").success, false);
    assert.equal(serviceNameSchema.safeParse("a/b").success, false);
    assert.equal(serviceNameSchema.safeParse("x".repeat(65)).success, false);
  });

  it("add node: canonical addr, defaults, field-named message keys", () => {
    const ok = addNodeSchema.parse({ service: "shop", revision: "3", node: { addr: " Web1.Local:80 " } });
    assert.deepEqual(ok.node, { addr: "web1.local:80", weight: 1, state: "active", backup: false, note: "" });
    assert.equal(ok.revision, 3);
    assert.equal(ok.force, false);
    const bad = addNodeSchema.safeParse({ service: "shop", revision: 1, node: { addr: "nope", weight: 0 } });
    assert.equal(bad.success, false);
    const issues = bad.error!.issues.map((i) => [i.path.join("."), i.message]);
    assert.deepEqual(issues, [["node.addr", "validation.addr"], ["node.weight", "validation.weight"]]);
  });

  it("update node needs something to change", () => {
    assert.equal(updateNodeSchema.safeParse({ service: "s", revision: 1, addr: "a:1" }).success, false);
    assert.equal(updateNodeSchema.safeParse({ service: "s", revision: 1, addr: "a:1", backup: true }).success, true);
  });

  it("gray rule: names/values/CIDRs/percent as the gateway accepts them", () => {
    const g = grayRuleSchema.parse({ header: { name: "X-Canary", value: "yes" }, cidrs: ["10.1.0.0/16", "10.1.2.3/8"], percent: "12.5" });
    assert.deepEqual(g, { header: { name: "X-Canary", value: "yes" }, cookie: null, cidrs: ["10.1.0.0/16", "10.0.0.0/8"], percent: 12.5 });
    assert.equal(grayRuleSchema.safeParse({ header: { name: "X Gray", value: "1" } }).success, false);
    assert.equal(grayRuleSchema.safeParse({ cookie: { name: "g", value: "a;b" } }).success, false);
    assert.equal(grayRuleSchema.safeParse({ header: { name: "X-Gray", value: "" } }).success, false);
    assert.equal(grayRuleSchema.safeParse({ percent: 101 }).success, false);
    assert.equal(grayRuleSchema.safeParse({ cidrs: ["10.0.0.0/40"] }).success, false);
  });

  it("create service refuses duplicate node addresses", () => {
    const r = createServiceSchema.safeParse({ name: "s", gray: {}, nodes: [{ addr: "a.b:1" }, { addr: "A.B:1" }] });
    assert.equal(r.success, false);
    assert.equal(r.error!.issues[0].path.join("."), "nodes.1.addr");
  });
});
