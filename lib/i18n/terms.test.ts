// One word per concept in each language: a reader who sees "全量" on one page and "转正" on
// another wonders whether they are two different actions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadMessages, type Messages } from "./catalog";

function leaves(m: Messages, prefix = ""): [string, string][] {
  return Object.entries(m).flatMap(([k, v]) => (typeof v === "string" ? [[`${prefix}${k}`, v] as [string, string]] : leaves(v, `${prefix}${k}.`)));
}

describe("terminology", () => {
  const en = new Map(leaves(loadMessages("en")));
  const zh = leaves(loadMessages("zh-CN"));

  it("zh-CN says 全量 for Promote everywhere", () => {
    const promote = zh.filter(([k]) => /promot/i.test(en.get(k) ?? ""));
    assert.ok(promote.length >= 5, "promote messages exist");
    for (const [k, v] of promote) assert.match(v, /全量/, `${k}: "${v}" should say 全量 like the others`);
    for (const [k, v] of zh) assert.doesNotMatch(v, /转正/, `${k}: "${v}" uses 转正; the term is 全量`);
  });

  it("every audit action the portal records has a label in both languages", () => {
    const actions = ["release.start", "release.step", "release.promote", "release.rollback", "release.tester_link"];
    for (const locale of ["en", "zh-CN"] as const) {
      const keys = new Set(leaves(loadMessages(locale)).map(([k]) => k));
      for (const a of actions) assert.ok(keys.has(`audit.actions.${a}`), `${locale}: audit.actions.${a}`);
    }
  });
});
