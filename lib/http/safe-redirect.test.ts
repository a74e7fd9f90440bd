import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeCallbackPath } from "./safe-redirect";

const ORIGIN = "http://portal.test:3000";

describe("safeCallbackPath", () => {
  it("keeps same-origin paths with query and hash", () => {
    assert.equal(safeCallbackPath("/audit?q=x#top", ORIGIN), "/audit?q=x#top");
    assert.equal(safeCallbackPath(`${ORIGIN}/services`, ORIGIN), "/services");
    assert.equal(safeCallbackPath(["/releases", "/x"], ORIGIN), "/releases");
  });

  it("refuses everything that leaves the origin after a browser's URL parsing", () => {
    for (const bad of [
      "/\t/evil.example",
      "/\n/evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "//evil.example",
      "///evil.example",
      "http://evil.example/",
      "https:evil.example",
      "javascript:alert(1)",
      "evil.example",
      "/%09/evil.example/../..//x",
      `${ORIGIN}.evil.example/`,
      "http://portal.test:3001/",
      " /x",
      "",
      undefined,
      42,
    ]) {
      const out = safeCallbackPath(bad, ORIGIN);
      assert.ok(out.startsWith("/") && !out.startsWith("//"), `${JSON.stringify(bad)} → ${out}`);
      assert.equal(new URL(out, ORIGIN).origin, ORIGIN, JSON.stringify(bad));
      if (typeof bad === "string" && /evil|3001|javascript/.test(bad)) assert.equal(out, "/", JSON.stringify(bad));
    }
  });
});
