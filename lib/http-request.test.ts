import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { createGatewayClient } from "./gateways/client";
import { httpRequest } from "./http-request";

// Ports on the Fetch standard's "bad port" list, which fetch() refuses to connect to.
// 6000 is the gateway's default admin port.
const BAD_PORTS = [6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080];

async function listenOnBadPort(handler: http.RequestListener): Promise<http.Server | null> {
  for (const port of BAD_PORTS) {
    const server = http.createServer(handler);
    const ok = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (ok) return server;
  }
  return null;
}

test("the gateway client reaches an admin API on a fetch 'bad port' such as 6000", async (t) => {
  const server = await listenOnBadPort((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(req.headers.authorization === "Bearer tok-12345678" ? { server: "nginx", nginx_version: "1.22.1" } : {}));
  });
  if (!server) return t.skip("every candidate port is taken");
  try {
    const { port } = server.address() as AddressInfo;
    const client = createGatewayClient({ adminUrl: `http://127.0.0.1:${port}`, token: "tok-12345678", timeoutMs: 2000 });
    const status = await client.getStatus();
    assert.equal(status.nginx_version, "1.22.1");
  } finally {
    server.close();
  }
});

test("httpRequest times out with a TimeoutError", async () => {
  const server = http.createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as AddressInfo;
    await assert.rejects(httpRequest(`http://127.0.0.1:${port}/`, { timeoutMs: 200 }), { name: "TimeoutError" });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
