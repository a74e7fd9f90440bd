import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { auditFilterWithNul, parseAuditFilters } from "@/lib/audit/filters";
import { findNulByte } from "./text";

describe("NUL bytes", () => {
  it("findNulByte names the first field that holds one", () => {
    assert.equal(findNulByte({ id: "r1", gray: { header: { name: "X\0" } } }), "gray.header.name");
    assert.equal(findNulByte({ targets: ["a", "b\0"] }), "targets.1");
    assert.equal(findNulByte("id\0"), "");
    assert.equal(findNulByte({ a: 1, b: null, c: ["x"], d: { e: true } }), null);
    assert.equal(findNulByte(new URLSearchParams("service=a%00b")), "service");
    assert.equal(findNulByte(new URLSearchParams("service=ab")), null);
  });

  it("the audit export refuses a filter with one; the page's filters never carry one to the database", () => {
    assert.equal(auditFilterWithNul(new URLSearchParams("format=csv&service=shop%00")), "service");
    assert.equal(auditFilterWithNul(new URLSearchParams("release=r%00")), "release");
    assert.equal(auditFilterWithNul(new URLSearchParams("format=csv&q=drain")), null);
    assert.deepEqual(parseAuditFilters(new URLSearchParams("service=sh%00op&q=%00")), { service: "shop" });
  });
});
