// A service page's live stats read only that service from each gateway (shared contract #4:
// GET /v1/stats?service=<name>), against a real gateway and PostgreSQL. The gateway is
// registered behind a recording pass-through proxy, so the test sees what the portal asks.
import assert from "node:assert/strict";
import { createServer, request, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { encrypt } from "@/lib/crypto";
import type { Db } from "@/lib/db";
import { getLiveStats } from "@/lib/services/live";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import { startBackends, type BackendsHandle } from "../../scripts/lib/backends";
import { freePort } from "../../scripts/lib/net";
import { actor, addGateway, getVia, setupDatabase, type TestGateway } from "./helpers";

let db: Db;
let drop: () => Promise<void>;
let gw: TestGateway;
let backends: BackendsHandle;
let proxy: Server;
const seen: { method: string; url: string; bytes: number }[] = [];

before(async () => {
  ({ db, drop } = await setupDatabase());
  gw = await addGateway(db, "gw-real");
  const target = new URL(gw.adminUrl);
  proxy = createServer((req, res) => {
    const up = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      let bytes = 0;
      r.on("data", (c: Buffer) => (bytes += c.length));
      r.on("end", () => seen.push({ method: req.method!, url: req.url!, bytes }));
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  // The portal reaches the gateway only through the proxy.
  await db.gateway.update({ where: { id: gw.id }, data: { adminUrl: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, tokenEnc: encrypt(gw.token) } });
  backends = await startBackends({ ports: [await freePort()] });
  const nodes = [{ addr: backends.addrs[0] }];
  await createService(db, actor, createServiceSchema.parse({ name: "watched", nodes }));
  for (let i = 0; i < 20; i++) await createService(db, actor, createServiceSchema.parse({ name: `other-${i}`, nodes }));
});

after(async () => {
  await backends?.stop();
  await new Promise((r) => proxy?.close(r));
  await gw?.stop();
  await drop?.();
});

describe("live stats of one service", () => {
  it("asks each gateway for that service only, and gets only that service", async () => {
    seen.length = 0;
    await getLiveStats(db, { service: "watched" });
    const statsCalls = seen.filter((s) => s.url.startsWith("/v1/stats"));
    assert.deepEqual(statsCalls.map((s) => `${s.method} ${s.url}`), ["GET /v1/stats?service=watched"]);

    seen.length = 0;
    await getLiveStats(db);
    const all = seen.find((s) => s.url === "/v1/stats")!;
    assert.ok(statsCalls[0].bytes * 5 < all.bytes, `one service: ${statsCalls[0].bytes} bytes, all 21: ${all.bytes} bytes`);
  });

  it("a one-service sample never serves as the base of a whole-fleet rate", async () => {
    for (let i = 0; i < 10; i++) assert.equal(await getVia(gw.proxyUrl, "other-3"), 200);
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s shared read of an earlier poll
    await getLiveStats(db); // an overview poll
    await getLiveStats(db, { service: "watched" }); // a service page's poll: no counters of other-3
    await new Promise((r) => setTimeout(r, 1100));
    const stats = await getLiveStats(db); // the overview again: other-3 had no traffic since its last poll
    assert.equal(stats.services["other-3"]?.rps, 0, JSON.stringify(stats.services["other-3"]));
  });

  it("a service the gateway does not have gives no counters, not an error", async () => {
    const stats = await getLiveStats(db, { service: "not-there" });
    assert.deepEqual(stats.services, {});
    assert.ok(stats.gateways.every((g) => g.reachable), JSON.stringify(stats.gateways));
  });
});
