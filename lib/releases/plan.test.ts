import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { nextPlannedPercent, previewSplit, promoteState, rollbackState, snapshotOf, startState, stepIndexFor, stepState, testerCookieName } from "./plan";
import { testerCookieValue, testerExpiry, testerLinks } from "./tester";
import type { DesiredService } from "@/lib/services/state";

const svc: DesiredService = {
  name: "shop",
  algorithm: "round_robin",
  revision: 3,
  gray: { header: { name: "X-Gray", value: "1" }, cookie: null, cidrs: ["10.0.0.0/8"], percent: 0, tester: null },
  nodes: [
    { addr: "127.0.0.1:8081", weight: 1, state: "active", backup: false },
    { addr: "127.0.0.1:8082", weight: 2, state: "active", backup: false },
    { addr: "127.0.0.1:8083", weight: 1, state: "down", backup: false },
  ],
};

describe("release plan", () => {
  it("start moves targets to gray, turns the tester cookie on, keeps the CIDRs and leaves static matchers off unless kept", () => {
    const s = startState(svc, ["127.0.0.1:8082"], "graylane_t_x");
    assert.deepEqual(s.nodes.map((n) => n.state), ["active", "gray", "down"]);
    assert.deepEqual(s.gray.tester, { cookie: "graylane_t_x" });
    assert.equal(s.gray.percent, 0);
    assert.equal(s.gray.header, null);
    assert.equal(previewSplit(s).reaches.header, null);
    assert.deepEqual(startState(svc, ["127.0.0.1:8082"], "graylane_t_x", true).gray.header, svc.gray.header);
    assert.deepEqual(s.gray.cidrs, ["10.0.0.0/8"]);
    const p = previewSplit(s);
    assert.deepEqual(p.stable.map((n) => n.addr), ["127.0.0.1:8081"]);
    assert.deepEqual(p.gray.map((n) => n.addr), ["127.0.0.1:8082"]);
    assert.equal(p.expectedGrayPercent, 0);
  });

  it("steps change only the share; promote returns targets to active without tester", () => {
    const started = startState(svc, ["127.0.0.1:8082"], "c");
    const stepped = stepState(started, 25);
    assert.equal(stepped.gray.percent, 25);
    assert.equal(previewSplit(stepped).expectedGrayPercent, 25);
    const promoted = promoteState(stepped, ["127.0.0.1:8082"], snapshotOf(svc));
    assert.deepEqual(promoted.nodes.map((n) => n.state), ["active", "active", "down"]);
    // The service's own (opted-in) static matcher, off during the release, is back.
    assert.deepEqual(promoted.gray.header, svc.gray.header);
    assert.equal(promoted.gray.percent, 0);
    assert.equal(promoted.gray.tester, null);
  });

  it("rollback takes targets down and restores the pool and rule from before", () => {
    const snap = snapshotOf(svc);
    const started = stepState(startState(svc, ["127.0.0.1:8082"], "c"), 50);
    // Someone drained 8081 meanwhile: rollback restores it.
    started.nodes[0].state = "draining";
    const rolled = rollbackState(started, ["127.0.0.1:8082"], snap);
    assert.deepEqual(rolled.nodes.map((n) => n.state), ["active", "down", "down"]);
    assert.deepEqual(rolled.gray, svc.gray);
  });

  it("plans steps by index", () => {
    assert.equal(nextPlannedPercent([1, 5, 25, 50], -1), 1);
    assert.equal(nextPlannedPercent([1, 5, 25, 50], 3), null);
    assert.equal(stepIndexFor([1, 5, 25, 50], 10), 1);
    assert.equal(stepIndexFor([1, 5, 25, 50], 0), -1);
  });

  it("names a valid, per-release tester cookie", () => {
    const a = testerCookieName("r1abcdefghij0123456789");
    assert.match(a, /^graylane_t_[A-Za-z0-9]{1,10}$/);
    assert.notEqual(a, testerCookieName("r1abcdefghij0123456780"));
  });
});

describe("tester links", () => {
  it("signs <service>.<exp>.<cookie name> with HMAC-SHA256 as the gateway checks it", () => {
    const exp = 1_900_000_000;
    const want = createHmac("sha256", "k").update(`shop.${exp}.graylane_t_abc`).digest("hex");
    assert.equal(testerCookieValue("k", "shop", exp, "graylane_t_abc"), `shop.${exp}.${want}`);
    assert.notEqual(testerCookieValue("k", "shop", exp, "graylane_t_abd"), `shop.${exp}.${want}`);
    const [l] = testerLinks("k", "shop", new Date(exp * 1000), "graylane_t_abc", [{ name: "gw", adminUrl: "http://127.0.0.1:6000", proxyUrl: "http://127.0.0.1:8080/" }]);
    assert.equal(l.enter, `http://127.0.0.1:8080/__graylane/tester?service=shop&exp=${exp}&sig=${want}`);
    assert.equal(l.leave, "http://127.0.0.1:8080/__graylane/leave?service=shop");
  });
  it("caps the expiry at 24 h", () => {
    const now = Date.UTC(2030, 0, 1);
    assert.equal(testerExpiry(48, now).getTime(), now + 24 * 3600_000);
    assert.equal(testerExpiry(8, now).getTime(), now + 8 * 3600_000);
  });
});
