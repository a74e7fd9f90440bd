import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { addressAllowed, isLinkLocal, nodeAddrAllowed, parseCidrList } from "./address-policy";
import { createGatewayClient } from "./gateways/client";
import { httpRequest } from "./http-request";

describe("GRAYLANE_GATEWAY_ALLOW", () => {
  it("parses CIDRs and single addresses, and names the variable on a bad entry", () => {
    const allow = parseCidrList("10.0.0.0/8, 127.0.0.1 fd00::/8", "GRAYLANE_GATEWAY_ALLOW")!;
    assert.equal(addressAllowed("10.1.2.3", allow), true);
    assert.equal(addressAllowed("127.0.0.1", allow), true);
    assert.equal(addressAllowed("::ffff:127.0.0.1", allow), true);
    assert.equal(addressAllowed("127.0.0.2", allow), false);
    assert.equal(addressAllowed("fd12::1", allow), true);
    assert.equal(addressAllowed("169.254.169.254", allow), false);
    assert.equal(parseCidrList("  ", "X"), null);
    assert.throws(() => parseCidrList("10.0.0.0/33", "GRAYLANE_GATEWAY_ALLOW"), /GRAYLANE_GATEWAY_ALLOW: "10.0.0.0\/33"/);
    assert.throws(() => parseCidrList("gw.example.com", "GRAYLANE_GATEWAY_ALLOW"), /not an IP address or CIDR/);
  });

  describe("calls to gateways connect only inside the list", () => {
    let server: http.Server;
    let port = 0;
    let hits = 0;
    before(async () => {
      server = http.createServer((req, res) => {
        hits++;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ nginx_version: "1.22.1" }));
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise<void>((r) => server.close(() => r())));

    it("refuses an IP literal and a name that resolves outside, before sending anything", async () => {
      const allow = parseCidrList("10.0.0.0/8", "GRAYLANE_GATEWAY_ALLOW");
      hits = 0;
      await assert.rejects(httpRequest(`http://127.0.0.1:${port}/v1/status`, { timeoutMs: 2000, allow }), /outside GRAYLANE_GATEWAY_ALLOW/);
      await assert.rejects(httpRequest(`http://localhost:${port}/v1/status`, { timeoutMs: 2000, allow }), /outside GRAYLANE_GATEWAY_ALLOW/);
      assert.equal(hits, 0, "the refused address received a request (and the token)");
      const inside = parseCidrList("127.0.0.0/8, ::1", "GRAYLANE_GATEWAY_ALLOW");
      assert.equal((await httpRequest(`http://localhost:${port}/v1/status`, { timeoutMs: 2000, allow: inside })).status, 200);
      assert.equal(hits, 1);
    });

    it("the gateway client reads the variable: a refused gateway is unreachable", async () => {
      const saved = process.env.GRAYLANE_GATEWAY_ALLOW;
      try {
        process.env.GRAYLANE_GATEWAY_ALLOW = "10.0.0.0/8";
        hits = 0;
        const err = await createGatewayClient({ adminUrl: `http://127.0.0.1:${port}`, token: "secret-token" }).getStatus().catch((e) => e);
        assert.equal(err.code, "gateway_unreachable");
        assert.match(err.message, /outside GRAYLANE_GATEWAY_ALLOW/);
        assert.equal(hits, 0);
        process.env.GRAYLANE_GATEWAY_ALLOW = "127.0.0.1/32";
        assert.equal((await createGatewayClient({ adminUrl: `http://127.0.0.1:${port}`, token: "secret-token" }).getStatus()).nginx_version, "1.22.1");
      } finally {
        if (saved === undefined) delete process.env.GRAYLANE_GATEWAY_ALLOW;
        else process.env.GRAYLANE_GATEWAY_ALLOW = saved;
      }
    });
  });
});

describe("link-local node addresses", () => {
  it("recognises 169.254.0.0/16 and fe80::/10", () => {
    for (const ip of ["169.254.169.254", "169.254.0.1", "fe80::1", "febf::1", "::ffff:169.254.169.254"]) assert.equal(isLinkLocal(ip), true, ip);
    for (const ip of ["169.253.255.255", "169.255.0.1", "fec0::1", "10.0.0.1", "::1"]) assert.equal(isLinkLocal(ip), false, ip);
  });

  it("refuses them as node addresses unless GRAYLANE_ALLOW_LINK_LOCAL=1", () => {
    assert.equal(nodeAddrAllowed("169.254.169.254:80", {}), false);
    assert.equal(nodeAddrAllowed("[fe80::1]:80", {}), false);
    assert.equal(nodeAddrAllowed("10.0.0.1:80", {}), true);
    assert.equal(nodeAddrAllowed("metadata.example:80", {}), true);
    assert.equal(nodeAddrAllowed("169.254.169.254:80", { GRAYLANE_ALLOW_LINK_LOCAL: "1" }), true);
  });
});
