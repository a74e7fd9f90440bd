import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ERROR_STATUS } from "../errors";
import { flattenKeys, loadMessages, type Messages } from "./catalog";
import { LOCALES } from "./locales";

const DIR = path.join(process.cwd(), "messages");

function placeholders(message: string): string[] {
  // Top-level ICU arguments ({name}, {count, plural, …}); text inside plural branches is not an argument.
  const names = new Set<string>();
  let depth = 0;
  for (let i = 0; i < message.length; i++) {
    if (message[i] === "{") {
      if (depth === 0) {
        const m = /^\{\s*([a-zA-Z0-9_]+)\s*[,}]/.exec(message.slice(i));
        if (m) names.add(m[1]);
      }
      depth++;
    } else if (message[i] === "}") depth--;
  }
  return [...names].sort();
}

function entries(messages: Messages, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(messages)) {
    if (typeof v === "string") out.set(prefix + k, v);
    else for (const [kk, vv] of entries(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

describe("message catalogs", () => {
  it("have the same namespace files in every locale", () => {
    const files = LOCALES.map((l) => readdirSync(path.join(DIR, l)).filter((f) => f.endsWith(".json")).sort());
    for (const f of files.slice(1)) assert.deepEqual(f, files[0]);
  });

  it("have identical key sets in en and zh-CN (all namespaces)", () => {
    const [en, zh] = LOCALES.map((l) => new Set(flattenKeys(loadMessages(l, DIR))));
    const onlyEn = [...en].filter((k) => !zh.has(k));
    const onlyZh = [...zh].filter((k) => !en.has(k));
    assert.deepEqual({ onlyEn, onlyZh }, { onlyEn: [], onlyZh: [] });
  });

  it("use the same placeholders in both languages", () => {
    const en = entries(loadMessages("en", DIR));
    const zh = entries(loadMessages("zh-CN", DIR));
    const mismatched = [...en].filter(([k, e]) => {
      const z = zh.get(k);
      return z !== undefined && placeholders(e).join() !== placeholders(z).join();
    });
    assert.deepEqual(mismatched, []);
  });

  it("have no empty message", () => {
    for (const locale of LOCALES) {
      const m = entries(loadMessages(locale, DIR));
      assert.deepEqual([...m].filter(([, v]) => !v.trim()).map(([k]) => k), [], locale);
    }
  });

  it("translate every ErrorCode", () => {
    for (const locale of LOCALES) {
      const errors = loadMessages(locale, DIR).errors as Messages;
      for (const code of Object.keys(ERROR_STATUS)) assert.equal(typeof errors[code], "string", `${locale}: errors.${code}`);
    }
  });

  it("detects a key missing from one side (the check itself can fail)", () => {
    const a = flattenKeys({ ns: { a: "x", b: { c: "y" } } });
    const b = new Set(flattenKeys({ ns: { a: "x" } }));
    assert.deepEqual(a.filter((k) => !b.has(k)), ["ns.b.c"]);
  });
});
