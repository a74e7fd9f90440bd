// The gateway client's keep-alive pool against a real HTTP server on loopback: sequential calls
// share one TCP connection, and a kept-alive connection the server drops between two calls (a
// gateway restarting) costs an idempotent call one retry on a new connection, not an error.
// test/gateway/keepalive.test.ts restarts a real gateway between two calls.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { createGatewayClient, GATEWAY_AGENTS } from "./client";

let server: Server;
let url = "";
const connections = new Set<Socket>();
let requests = 0;
/** Requests after which the server drops the connection instead of answering the next one on it. */
let dropAfterFirst = false;

before(async () => {
  server = createServer((req, res) => {
    requests++;
    const sock = req.socket as Socket & { served?: number };
    sock.served = (sock.served ?? 0) + 1;
    if (dropAfterFirst && sock.served > 1) {
      // What a restarting gateway does to an idle kept-alive connection that a request just reached.
      sock.destroy();
      return;
    }
    req.resume();
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.method === "PUT") res.end(JSON.stringify({ name: "shop", version: 2, nodes: [], gray: {} }));
      else res.end(JSON.stringify({ nginxVersion: "test", workers: 1 }));
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on("connection", (s) => connections.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  GATEWAY_AGENTS["http:"].destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

beforeEach(() => {
  // Each test starts without pooled sockets to this server and with a fresh count.
  server.closeAllConnections();
  connections.clear();
  requests = 0;
  dropAfterFirst = false;
});

const client = () => createGatewayClient({ adminUrl: url, token: "t0k", timeoutMs: 2000 });

describe("gateway client keep-alive", () => {
  it("sequential calls, even from separate clients, share one pooled connection", async () => {
    await new Promise((r) => setTimeout(r, 20)); // let the pool see the closed sockets
    for (let i = 0; i < 5; i++) assert.equal((await client().getStatus()).nginxVersion, "test");
    assert.equal(requests, 5);
    assert.equal(connections.size, 1, "one TCP connection for five calls");
  });

  it("a kept-alive connection dropped by the server: GET and PUT are sent once more on a new connection", async () => {
    await new Promise((r) => setTimeout(r, 20));
    const c = client();
    await c.getStatus();
    dropAfterFirst = true;
    assert.equal((await c.getStatus()).nginxVersion, "test", "GET after the drop");
    assert.equal(requests, 3, "the dropped request and its retry");
    assert.equal(connections.size, 2);
    // The retried connection is kept alive in turn; drop it too and PUT (idempotent: the whole service).
    const put = await c.putUpstream("shop", { name: "shop", algorithm: "round_robin", nodes: [], gray: { header: null, cookie: null, cidrs: [], percent: 0 } });
    assert.equal(put.version, 2);
    assert.equal(requests, 5);
    assert.equal(connections.size, 3);
  });
});
