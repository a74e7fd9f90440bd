// The client against a real HTTP server speaking the admin API's error format, and
// against a closed port / a server that never answers. (The integration tests in
// test/portal run it against the real gateway.)
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { createGatewayClient } from "./client";
import { GatewayError } from "./errors";
import { fanOut } from "./fanout";

let server: Server;
let url = "";
const seen: { method: string; url: string; auth?: string; ifMatch?: string; manager?: string; body: string }[] = [];

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        auth: req.headers.authorization,
        ifMatch: req.headers["if-match"] as string | undefined,
        manager: req.headers["x-graylane-manager"] as string | undefined,
        body,
      });
      if (req.url === "/hang") return; // never answers
      if (req.headers.authorization !== "Bearer t0k") {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "unauthorized", message: "bad token" } }));
        return;
      }
      if (req.method === "PUT") {
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "invalid_addr", message: "bad addr", field: "nodes[0].addr" } }));
        return;
      }
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { code: "not_found", message: "no such" } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

describe("gateway client errors", () => {
  it("sends the bearer token and maps 404 to null", async () => {
    const c = createGatewayClient({ adminUrl: url + "/", token: "t0k" });
    assert.equal(await c.getUpstream("shop"), null);
    assert.equal(seen.at(-1)!.auth, "Bearer t0k");
    assert.equal(seen.at(-1)!.url, "/v1/upstreams/shop");
  });

  it("carries the gateway's code, field and status", async () => {
    const c = createGatewayClient({ adminUrl: url, token: "t0k" });
    const err = await c.putUpstream("shop", { name: "shop", algorithm: "round_robin", nodes: [], gray: { header: null, cookie: null, cidrs: [], percent: 0 } }, { ifMatch: 4 }).catch((e) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, "invalid_addr");
    assert.equal(err.field, "nodes[0].addr");
    assert.equal(err.status, 400);
    assert.equal(seen.at(-1)!.ifMatch, "4");
  });

  it("names the portal as manager on every write, and in every PUT body; reads carry no manager", async () => {
    const c = createGatewayClient({ adminUrl: url, token: "t0k" });
    await c.putUpstream("shop", { name: "shop", algorithm: "round_robin", nodes: [], gray: { header: null, cookie: null, cidrs: [], percent: 0 }, managed_by: "someone-else" }, { force: true }).catch(() => null);
    const put = seen.at(-1)!;
    assert.equal(put.manager, "portal");
    assert.equal(JSON.parse(put.body).managed_by, "portal");
    assert.equal(JSON.parse(put.body).force, true);
    await c.deleteUpstream("shop");
    assert.equal(seen.at(-1)!.method, "DELETE");
    assert.equal(seen.at(-1)!.manager, "portal");
    await c.getUpstream("shop");
    assert.equal(seen.at(-1)!.manager, undefined);
  });

  it("401 → unauthorized", async () => {
    const err = await createGatewayClient({ adminUrl: url, token: "nope" }).getUpstreams().catch((e) => e);
    assert.equal(err.code, "unauthorized");
    assert.equal(err.status, 401);
  });

  it("closed port → gateway_unreachable", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const err = await createGatewayClient({ adminUrl: `http://127.0.0.1:${port}`, token: "x" }).getStatus().catch((e) => e);
    assert.equal(err.code, "gateway_unreachable");
  });

  it("no answer → gateway_timeout after timeoutMs", async () => {
    const started = Date.now();
    // "#" turns the client's /v1/status into a fragment, so the request goes to /hang.
    const err = await createGatewayClient({ adminUrl: url + "/hang#", token: "t0k", timeoutMs: 200 }).getStatus().catch((e) => e);
    assert.equal(err.code, "gateway_timeout");
    assert.ok(Date.now() - started < 1500);
  });

  it("fanOut runs gateways in parallel and isolates failures", async () => {
    const results = await fanOut(
      [
        { id: "1", name: "good", adminUrl: url, token: "t0k" },
        { id: "2", name: "bad", adminUrl: url, token: "wrong" },
      ],
      (c) => c.getUpstream("x"),
    );
    assert.equal(results[0].ok, true);
    assert.equal(results[1].ok, false);
    assert.equal(!results[1].ok && results[1].error.code, "unauthorized");
    assert.equal(results[1].gatewayName, "bad");
  });
});
