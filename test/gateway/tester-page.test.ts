// A refused tester link opened in a browser: a small HTML page in the reader's language
// (zh-CN or English from Accept-Language) that says the link was replaced or has expired,
// with the right status, no caching and nothing of the request echoed back. Clients that do
// not prefer HTML (API clients asking for JSON, curl's */*, no Accept at all) keep the JSON error.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import type { BackendsHandle } from "../../scripts/lib/backends";
import type { Res } from "../support/http";

const KEY = "tester-key-" + crypto.randomBytes(8).toString("hex");
const COOKIE = "graylane_t_page";
const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const ZH = "zh-CN,zh;q=0.9,en;q=0.8";
const EN = "en-US,en;q=0.9";
let gw: TestGateway;
let be: BackendsHandle;

const now = () => Math.floor(Date.now() / 1000);
const sign = (service: string, exp: number, name = COOKIE, key = KEY) =>
  crypto.createHmac("sha256", key).update(`${service}.${exp}.${name}`).digest("hex");
const link = (service: string, exp: number, sig: string) => `/__graylane/tester?service=${service}&exp=${exp}&sig=${sig}`;
const open = (path: string, headers: Record<string, string>) => gw.proxy(path, { host: "shop", headers });

withGateway(2, { workers: 1, testerKey: KEY }, async (g, b) => {
  gw = g;
  be = b;
  await gw.put("shop", {
    nodes: [{ addr: be.addrs[0] }, { addr: be.addrs[1], state: "gray" }],
    gray: { header: null, cookie: null, tester: { cookie: COOKIE } },
  });
});

function assertPage(r: Res, status: number, lang: "en" | "zh-CN") {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
  assert.equal(r.headers["cache-control"], "no-store");
  assert.equal(r.headers["content-language"], lang);
  assert.equal(r.headers["x-content-type-options"], "nosniff");
  assert.match(String(r.headers["content-security-policy"]), /default-src 'none'/);
  assert.equal(r.headers["set-cookie"], undefined);
  assert.equal(r.json, undefined, "not JSON");
  assert.match(r.text, /^<!doctype html>/);
  assert.match(r.text, new RegExp(`<html lang="${lang}">`));
  assert.match(r.text, /<meta charset="utf-8">/);
  assert.doesNotMatch(r.text, /<script/i);
}

test("an old link (signed for the cookie name before a new tester link) gets the page in English", async () => {
  const exp = now() + 3600;
  const old = link("shop", exp, sign("shop", exp, "graylane_t_before"));
  const r = await open(old, { accept: BROWSER_ACCEPT, "accept-language": EN });
  assertPage(r, 403, "en");
  assert.match(r.text, /This tester link has been replaced or has expired\. Ask the person running the release for a new one\./);
  assert.doesNotMatch(r.text, /bad signature|invalid_tester_link|"error"/);
});

test("an expired link gets the page in Chinese when zh-CN ranks first", async () => {
  const exp = now() - 60;
  const r = await open(link("shop", exp, sign("shop", exp)), { accept: BROWSER_ACCEPT, "accept-language": ZH });
  assertPage(r, 403, "zh-CN");
  assert.match(r.text, /此测试链接已被替换或已过期。请向负责本次发布的人索取新的链接。/);
  assert.match(r.text, /<title>此测试链接已失效<\/title>/);
});

test("the language follows Accept-Language ranking, English when neither is asked for", async () => {
  const exp = now() + 3600;
  const bad = link("shop", exp, sign("shop", exp, COOKIE, "another-key"));
  const cases: [string | undefined, "en" | "zh-CN"][] = [
    ["en-GB,zh-CN;q=0.8", "en"],
    ["fr-FR,fr;q=0.9,zh;q=0.5", "zh-CN"],
    ["zh-TW", "zh-CN"],
    ["de-DE", "en"],
    ["zh;q=0.3, en;q=0.7", "en"],
    [undefined, "en"],
  ];
  for (const [al, lang] of cases) {
    const r = await open(bad, { accept: BROWSER_ACCEPT, ...(al ? { "accept-language": al } : {}) });
    assertPage(r, 403, lang);
  }
});

test("an incomplete link gets 400 with its own page; nothing from the request is echoed", async () => {
  const evil = encodeURIComponent('<script>alert(1)</script>"x');
  const en = await open(`/__graylane/tester?service=${evil}`, { accept: BROWSER_ACCEPT, "accept-language": EN });
  assertPage(en, 400, "en");
  assert.match(en.text, /This tester link is incomplete/);
  const zh = await open(`/__graylane/tester?service=${evil}`, { accept: BROWSER_ACCEPT, "accept-language": ZH });
  assertPage(zh, 400, "zh-CN");
  assert.match(zh.text, /此测试链接不完整/);

  const exp = now() + 3600;
  const forged = await open(link(evil, exp, "ab".repeat(32)), { accept: BROWSER_ACCEPT, "accept-language": EN });
  assertPage(forged, 403, "en");
  for (const r of [en, zh, forged]) {
    assert.doesNotMatch(r.text, /alert|&lt;script|shop|abab/);
  }
});

test("API clients keep the JSON error: Accept: application/json, */* and no Accept", async () => {
  const exp = now() + 3600;
  const bad = link("shop", exp, sign("shop", exp, "graylane_t_before"));
  for (const accept of ["application/json", "*/*", undefined, "text/html;q=0.5, application/json"]) {
    const r = await open(bad, accept ? { accept, "accept-language": ZH } : { "accept-language": ZH });
    assert.equal(r.status, 403, String(accept));
    assert.equal(r.headers["content-type"], "application/json", String(accept));
    assert.equal(r.json.error.code, "invalid_tester_link");
  }
  const missing = await open("/__graylane/tester?service=shop", { accept: "application/json" });
  assert.equal(missing.status, 400);
  assert.equal(missing.json.error.code, "missing_param");
});

test("a valid link still sets the cookie and redirects, whatever the browser accepts", async () => {
  const exp = now() + 3600;
  const r = await open(link("shop", exp, sign("shop", exp)), { accept: BROWSER_ACCEPT, "accept-language": ZH });
  assert.equal(r.status, 302, r.text);
  assert.match(String(r.headers["set-cookie"]), new RegExp(`^${COOKIE}=shop\\.${exp}\\.`));
});
