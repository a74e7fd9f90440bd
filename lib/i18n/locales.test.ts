import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchLocale, negotiateAcceptLanguage, resolveLocale, resolveTimeZone } from "./locales";

describe("locale negotiation", () => {
  it("maps language tags", () => {
    assert.equal(matchLocale("en-US"), "en");
    assert.equal(matchLocale("zh"), "zh-CN");
    assert.equal(matchLocale("zh-TW"), "zh-CN");
    assert.equal(matchLocale("zh-Hans-CN"), "zh-CN");
    assert.equal(matchLocale("fr"), null);
  });

  it("honours q-values and order in Accept-Language", () => {
    assert.equal(negotiateAcceptLanguage("zh-CN,zh;q=0.9,en;q=0.8"), "zh-CN");
    assert.equal(negotiateAcceptLanguage("fr-FR,fr;q=0.9,zh;q=0.8,en;q=0.7"), "zh-CN");
    assert.equal(negotiateAcceptLanguage("en;q=0.4,zh-CN;q=0.6"), "zh-CN");
    assert.equal(negotiateAcceptLanguage("zh;q=0,en"), "en");
    assert.equal(negotiateAcceptLanguage("fr, de"), null);
    assert.equal(negotiateAcceptLanguage(""), null);
    assert.equal(negotiateAcceptLanguage(null), null);
  });

  it("prefers the saved choice, then the cookie, then the browser, then English", () => {
    assert.equal(resolveLocale({ userLocale: "zh-CN", cookieLocale: "en", acceptLanguage: "en" }), "zh-CN");
    assert.equal(resolveLocale({ userLocale: null, cookieLocale: "zh-CN", acceptLanguage: "en" }), "zh-CN");
    assert.equal(resolveLocale({ userLocale: "xx", cookieLocale: "bogus", acceptLanguage: "zh-HK" }), "zh-CN");
    assert.equal(resolveLocale({ acceptLanguage: "de" }), "en");
    assert.equal(resolveLocale({}), "en");
  });

  it("falls back to UTC for unknown time zones", () => {
    assert.equal(resolveTimeZone("Asia/Shanghai"), "Asia/Shanghai");
    assert.equal(resolveTimeZone("Mars/Olympus"), "UTC");
    assert.equal(resolveTimeZone(null), "UTC");
  });
});
