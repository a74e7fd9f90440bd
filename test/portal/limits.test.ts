// Shared contract #1 on the portal side, against a real PostgreSQL database and a real
// gateway: every portal path that adds nodes (create service — the form and the demo
// script —, add node, adopt) stops at MAX_NODES_PER_SERVICE with an error naming the limit,
// before anything is stored; up to the limit, the gateway takes the whole service.
// Releases only change the state of nodes a service already has, so they add none.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { MAX_NODES_PER_SERVICE } from "@/lib/contract/limits";
import { isAppError } from "@/lib/errors";
import { createGatewayClient, type GatewayClient } from "@/lib/gateways/client";
import type { Db } from "@/lib/db";
import { seedGateway } from "../../prisma/seed";
import { addNode, adoptService, createService, removeNode } from "@/lib/services/mutations";
import { loadDesired } from "@/lib/services/read";
import { addNodeSchema, createServiceSchema } from "@/lib/validations/node";
import { actor, addGateway, setupDatabase, type TestGateway } from "./helpers";

let db: Db;
let drop: () => Promise<void>;
let gw: TestGateway;
let client: GatewayClient;

/** `n` distinct addresses; nothing listens there (no traffic is sent). */
const addrs = (n: number, third = 0) => Array.from({ length: n }, (_, i) => `10.9.${third + Math.floor(i / 250)}.${(i % 250) + 1}:8080`);

async function refused(p: Promise<unknown>): Promise<{ fieldErrors: Record<string, string[]>; message: string; params: Record<string, string | number> }> {
  const e = await p.then(
    () => assert.fail("expected the node limit to refuse this"),
    (err: unknown) => err,
  );
  assert.ok(isAppError(e), `expected AppError, got ${String(e)}`);
  assert.equal(e.code, "invalid_input");
  return { fieldErrors: e.fieldErrors ?? {}, message: e.message, params: e.params };
}

before(async () => {
  ({ db, drop } = await setupDatabase());
  gw = await addGateway(db, "gw-a");
  client = createGatewayClient({ adminUrl: gw.adminUrl, token: gw.token });
});

after(async () => {
  await gw?.stop();
  await drop?.();
});

describe(`node limit (${MAX_NODES_PER_SERVICE} per service)`, () => {
  it("creates a service with exactly the limit, and the gateway takes it", async () => {
    const input = createServiceSchema.parse({ name: "full", nodes: addrs(MAX_NODES_PER_SERVICE).map((addr) => ({ addr })) });
    const r = await createService(db, actor, input);
    assert.ok(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes));
    assert.equal((await client.getUpstream("full"))?.nodes.length, MAX_NODES_PER_SERVICE);
  });

  it("the create form's schema refuses one more, on the node list", () => {
    const parsed = createServiceSchema.safeParse({ name: "over", nodes: addrs(MAX_NODES_PER_SERVICE + 1).map((addr) => ({ addr })) });
    assert.equal(parsed.success, false);
    const issue = parsed.error!.issues.find((i) => i.path.join(".") === "nodes");
    assert.equal(issue?.message, "validation.tooManyNodes");
  });

  it("createService itself refuses one more (scripts such as the demo call it directly), storing nothing", async () => {
    const nodes = addrs(MAX_NODES_PER_SERVICE + 1).map((addr) => ({ addr, weight: 1, state: "active" as const, backup: false, note: "" }));
    const e = await refused(createService(db, actor, { name: "over", algorithm: "round_robin", gray: { header: null, cookie: null, cidrs: [], percent: 0 }, nodes, force: false }));
    assert.deepEqual(e.fieldErrors, { nodes: ["validation.tooManyNodes"] });
    assert.equal(e.params.limit, MAX_NODES_PER_SERVICE);
    assert.match(e.message, new RegExp(`limit ${MAX_NODES_PER_SERVICE}`));
    assert.equal(await loadDesired(db, "over"), null);
    assert.equal(await client.getUpstream("over"), null);
    assert.equal(await db.auditEvent.count({ where: { serviceName: "over" } }), 0);
  });

  it("add node refuses the node past the limit on the address field, and changes nothing", async () => {
    const eventsBefore = await db.auditEvent.count();
    const input = addNodeSchema.parse({ service: "full", revision: 1, node: { addr: "10.9.200.1:8080" } });
    const e = await refused(addNode(db, actor, input));
    assert.deepEqual(e.fieldErrors, { "node.addr": ["validation.tooManyNodes"] });
    assert.equal(e.params.limit, MAX_NODES_PER_SERVICE);
    const stored = await loadDesired(db, "full");
    assert.equal(stored?.revision, 1);
    assert.equal(stored?.nodes.length, MAX_NODES_PER_SERVICE);
    assert.equal(await db.auditEvent.count(), eventsBefore);
    assert.equal((await client.getUpstream("full"))?.revision, 1);
  });

  it("a service stored over the limit (by an older portal) can still shrink back under it", async () => {
    const svc = await db.service.findUniqueOrThrow({ where: { name: "full" } });
    await db.node.create({ data: { serviceId: svc.id, addr: "10.9.201.1:8080", weight: 1, state: "active" } });
    const r = await removeNode(db, actor, { service: "full", revision: 1, addr: "10.9.201.1:8080", force: false });
    assert.ok(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes));
    assert.equal((await loadDesired(db, "full"))?.nodes.length, MAX_NODES_PER_SERVICE);
  });

  it("adopt refuses a service a gateway holds with more nodes than the limit, storing nothing", async () => {
    // A gateway from before the limit (today's gateways refuse such a state on every write and
    // quarantine it on load): a stand-in that serves one oversized service.
    const big = { name: "big", version: 1, revision: null, algorithm: "round_robin", gray: { cidrs: [], percent: 0 }, nodes: addrs(MAX_NODES_PER_SERVICE + 1).map((addr) => ({ addr, weight: 1, state: "active", backup: false })) };
    const old: Server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.method === "GET" && req.url === "/v1/upstreams/big") return void res.end(JSON.stringify(big));
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: "not_found", message: "not found" } }));
    });
    await new Promise<void>((r) => old.listen(0, "127.0.0.1", r));
    const port = (old.address() as { port: number }).port;
    const row = await seedGateway(db, { name: "gw-old", adminUrl: `http://127.0.0.1:${port}`, token: "old-gateway-token" });
    try {
      const e = await refused(adoptService(db, actor, { service: "big", gatewayId: row.id }));
      assert.deepEqual(e.fieldErrors, { nodes: ["validation.tooManyNodes"] });
      assert.equal(e.params.limit, MAX_NODES_PER_SERVICE);
      assert.equal(await loadDesired(db, "big"), null);
      assert.equal(await db.auditEvent.count({ where: { serviceName: "big" } }), 0);
    } finally {
      await db.gateway.delete({ where: { id: row.id } });
      await new Promise((r) => old.close(r));
    }
  });
});
