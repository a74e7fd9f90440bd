// The portal's gateway client (lib/gateways/client.ts) keeps its admin connections alive and
// survives a gateway restart between two calls: the pooled connection to the old nginx is gone,
// and the next calls (read and write) reach the new nginx on the same admin port.
import assert from "node:assert/strict";
import { after, it } from "node:test";
import { createGatewayClient, GATEWAY_AGENTS } from "../../lib/gateways/client";
import { freePort } from "../../scripts/lib/net";
import { gateway, tempDir, type TestGateway } from "../support/gateway";

let gw: TestGateway | undefined;
after(async () => {
  GATEWAY_AGENTS["http:"].destroy();
  await gw?.stop();
});

/** Pooled idle sockets to this admin port. */
function pooled(port: number): number {
  return Object.entries(GATEWAY_AGENTS["http:"].freeSockets)
    .filter(([name]) => name.startsWith(`127.0.0.1:${port}:`))
    .reduce((n, [, socks]) => n + (socks?.length ?? 0), 0);
}

it("calls share a kept-alive connection, and still work after the gateway restarts between two calls", async () => {
  const port = await freePort();
  const stateDir = await tempDir("keepalive");
  gw = await gateway({ adminListen: `127.0.0.1:${port}`, stateDir, workers: 1 });
  const client = createGatewayClient({ adminUrl: gw.adminUrl, token: gw.token, timeoutMs: 3000 });
  await client.putUpstream("shop", { name: "shop", algorithm: "round_robin", nodes: [{ addr: "127.0.0.1:9", weight: 1, state: "active", backup: false }], gray: { header: null, cookie: null, cidrs: [], percent: 0 } });
  await client.getStatus();
  assert.equal(pooled(port), 1, "one idle kept-alive connection after two calls");

  await gw.stop();
  gw = await gateway({ adminListen: `127.0.0.1:${port}`, stateDir, workers: 1 });
  const status = await client.getStatus();
  assert.equal(typeof status.nginx_version, "string", "the restarted gateway answers");
  const shop = await client.getUpstream("shop");
  assert.equal(shop?.nodes[0].addr, "127.0.0.1:9", "state kept across the restart");
  const put = await client.putUpstream("shop", { ...shop!, nodes: [{ ...shop!.nodes[0], weight: 5 }] });
  assert.equal(put.nodes[0].weight, 5, "a write after the restart");
});
