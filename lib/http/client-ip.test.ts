import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientIp, inCidrs, normalizeIp, parseCidrs } from "./client-ip";

// Headers as route handlers see them after proxy.ts: x-forwarded-for is the TCP peer (set by
// Next.js), x-graylane-forwarded-for is what that peer claimed.
const req = (peer: string, claimed?: string) => new Headers({ "x-forwarded-for": peer, ...(claimed ? { "x-graylane-forwarded-for": claimed } : {}) });

describe("clientIp", () => {
  it("is the peer when no proxy is trusted (the default), whatever the client claims", () => {
    assert.equal(clientIp(req("198.51.100.9", "203.0.113.1"), parseCidrs(undefined)), "198.51.100.9");
    assert.equal(clientIp(req("::ffff:127.0.0.1", "10.0.0.1"), []), "127.0.0.1");
  });

  it("walks a trusted proxy's chain from the right and stops at the first untrusted hop", () => {
    const trusted = parseCidrs("10.0.0.0/8, 192.168.1.7");
    assert.equal(clientIp(req("10.1.2.3", "203.0.113.5"), trusted), "203.0.113.5");
    // The client prepended a fake hop; the address the proxy saw is the right-most untrusted one.
    assert.equal(clientIp(req("10.1.2.3", "1.2.3.4, 203.0.113.5, 192.168.1.7"), trusted), "203.0.113.5");
    // A peer outside the list: its claim is ignored.
    assert.equal(clientIp(req("192.168.1.8", "203.0.113.5"), trusted), "192.168.1.8");
    // A trusted peer that claims nothing: the peer.
    assert.equal(clientIp(req("10.1.2.3"), trusted), "10.1.2.3");
    // Garbage in the chain stops the walk rather than being trusted.
    assert.equal(clientIp(req("10.1.2.3", "203.0.113.5, not-an-ip"), trusted), "10.1.2.3");
    // Only trusted hops: the left-most.
    assert.equal(clientIp(req("10.1.2.3", "10.9.9.9, 192.168.1.7"), trusted), "10.9.9.9");
  });

  it("reads plain header records too (next-auth's authorize gets one)", () => {
    assert.equal(clientIp({ "x-forwarded-for": "127.0.0.1" }, []), "127.0.0.1");
    assert.equal(clientIp({}, []), "");
  });
});

describe("CIDRs", () => {
  it("matches IPv4, IPv6 and IPv4-mapped addresses", () => {
    const c = parseCidrs("10.0.0.0/8,2001:db8::/32,127.0.0.1");
    assert.ok(inCidrs("10.255.0.1", c));
    assert.ok(!inCidrs("11.0.0.1", c));
    assert.ok(inCidrs("2001:db8:1::5", c));
    assert.ok(!inCidrs("2001:db9::1", c));
    assert.ok(inCidrs("::ffff:127.0.0.1", c));
    assert.ok(!inCidrs("127.0.0.2", c));
    assert.ok(inCidrs("1.2.3.4", parseCidrs("0.0.0.0/0")));
    assert.ok(!inCidrs("::1", parseCidrs("0.0.0.0/0")));
  });

  it("refuses a malformed list instead of trusting nobody silently", () => {
    for (const bad of ["10.0.0.0/33", "10.0.0/8", "example.com", "::1/129", "10.0.0.0/x"]) {
      assert.throws(() => parseCidrs(bad), /GRAYLANE_TRUSTED_PROXIES/, bad);
    }
  });

  it("normalizes what sockets and proxies write", () => {
    assert.equal(normalizeIp("::FFFF:10.0.0.1"), "10.0.0.1");
    assert.equal(normalizeIp("[::1]:443"), "::1");
    assert.equal(normalizeIp("10.0.0.1:5555"), "10.0.0.1");
    assert.equal(normalizeIp("unknown"), "");
  });
});
