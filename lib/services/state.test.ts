import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { countNodes, DEFAULT_GRAY, diffState, fromGatewayState, normalizeGray, normalizeHealth, toGatewayState, type DesiredService } from "./state";

const shop: DesiredService = {
  name: "shop",
  algorithm: "round_robin",
  revision: 7,
  gray: { header: { name: "X-Gray", value: "1" }, cookie: null, cidrs: ["10.0.0.0/8"], percent: 5, tester: null },
  nodes: [
    { addr: "127.0.0.1:8081", weight: 1, state: "active", backup: false, note: "a" },
    { addr: "127.0.0.1:8082", weight: 3, state: "gray", backup: false },
  ],
};

describe("toGatewayState", () => {
  it("maps the full service with the portal revision and no portal-only fields", () => {
    const g = toGatewayState(shop);
    assert.deepEqual(g, {
      name: "shop",
      revision: 7,
      algorithm: "round_robin",
      nodes: [
        { addr: "127.0.0.1:8081", weight: 1, state: "active", backup: false },
        { addr: "127.0.0.1:8082", weight: 3, state: "gray", backup: false },
      ],
      gray: { header: { name: "X-Gray", value: "1" }, cookie: null, cidrs: ["10.0.0.0/8"], percent: 5, tester: null },
      managed_by: "portal",
    });
  });

  it("sends a disabled header/cookie as null (absent would mean the gateway default)", () => {
    const g = toGatewayState({ ...shop, gray: { ...shop.gray, header: null } });
    assert.equal(g.gray.header, null);
    assert.ok("header" in g.gray);
  });

  it("round-trips an active health check: adopted as is, pushed as is, compared", () => {
    const check = { path: "/healthz", interval: 2, timeout: 1, healthy: 2, unhealthy: 2 };
    const health = { max_fails: 3, fail_timeout: 10, check };
    const live = { ...toGatewayState(shop), health };
    const adopted = fromGatewayState(live);
    assert.deepEqual(adopted.health, health);
    assert.deepEqual(normalizeHealth(JSON.parse(JSON.stringify(adopted.health))), health, "stored in the JSON column and read back");
    assert.deepEqual(toGatewayState({ ...shop, health }).health, health);
    assert.equal(diffState({ ...shop, health }, live).kind, "in_sync");
    assert.deepEqual(diffState({ ...shop, health }, { ...live, health: { max_fails: 3, fail_timeout: 10 } }).fields, ["health"]);
  });

  it("sends health only when set", () => {
    assert.equal("health" in toGatewayState(shop), false);
    assert.deepEqual(toGatewayState({ ...shop, health: { max_fails: 2, fail_timeout: 5 } }).health, { max_fails: 2, fail_timeout: 5 });
  });

  it("round-trips through fromGatewayState", () => {
    const back = fromGatewayState(toGatewayState(shop));
    assert.equal(back.name, "shop");
    assert.deepEqual(back.nodes.map((n) => n.addr), ["127.0.0.1:8081", "127.0.0.1:8082"]);
    assert.deepEqual(back.gray, shop.gray);
  });
});

describe("normalizeGray", () => {
  it("fills missing parts as off", () => {
    assert.deepEqual(normalizeGray({}), { header: null, cookie: null, cidrs: [], percent: 0, tester: null });
    assert.deepEqual(normalizeGray(null), { header: null, cookie: null, cidrs: [], percent: 0, tester: null });
  });
  it("keeps a complete rule", () => {
    assert.deepEqual(normalizeGray(DEFAULT_GRAY), DEFAULT_GRAY);
  });
});

describe("diffState", () => {
  const live = () => ({ ...toGatewayState(shop), version: 3 });

  it("missing service", () => {
    assert.deepEqual(diffState(shop, null), { kind: "missing", fields: [], changes: [], liveRevision: null });
  });
  it("in sync regardless of node order and version", () => {
    const l = live();
    l.nodes.reverse();
    l.version = 99;
    assert.equal(diffState(shop, l).kind, "in_sync");
  });
  it("revision differs (push did not land)", () => {
    const d = diffState(shop, { ...live(), revision: 6 });
    assert.equal(d.kind, "revision");
    assert.equal(d.liveRevision, 6);
    assert.deepEqual(d.fields, []);
  });
  it("content differs with the same revision (changed on the gateway)", () => {
    const l = live();
    l.nodes[0].weight = 5;
    assert.deepEqual(diffState(shop, l), {
      kind: "content",
      fields: ["nodes"],
      changes: [{ kind: "node", addr: "127.0.0.1:8081", field: "weight", desired: 1, live: 5 }],
      liveRevision: 7,
    });
  });
  it("names every node that differs and how: missing, only on the gateway, state and backup", () => {
    const l = live();
    l.nodes = [
      { addr: "127.0.0.1:8082", weight: 3, state: "active", backup: true },
      { addr: "127.0.0.1:8090", weight: 1, state: "active", backup: false },
    ];
    assert.deepEqual(diffState(shop, l).changes, [
      { kind: "node_missing", addr: "127.0.0.1:8081" },
      { kind: "node", addr: "127.0.0.1:8082", field: "state", desired: "gray", live: "active" },
      { kind: "node", addr: "127.0.0.1:8082", field: "backup", desired: false, live: true },
      { kind: "node_extra", addr: "127.0.0.1:8090" },
    ]);
  });
  it("a gateway ahead of the database is drift of its own kind, whatever it holds", () => {
    const d = diffState(shop, { ...live(), revision: 999999 });
    assert.equal(d.kind, "ahead");
    assert.equal(d.liveRevision, 999999);
    assert.equal(diffState(shop, { ...live(), revision: 8, nodes: [] }).kind, "ahead");
  });
  it("a service the gateway does not mark as managed by the portal is drift (managed_by)", () => {
    const l = { ...live(), managed_by: null };
    assert.deepEqual(diffState(shop, l), { kind: "content", fields: ["managed_by"], changes: [{ kind: "managed_by", desired: "portal", live: null }], liveRevision: 7 });
    assert.deepEqual(diffState(shop, { ...live(), managed_by: "terraform" }).changes, [{ kind: "managed_by", desired: "portal", live: "terraform" }]);
  });
  it("names the parts of the gray rule that differ", () => {
    const l = { ...live(), gray: { ...live().gray, header: null, cidrs: ["10.0.0.0/8", "192.168.0.0/16"], tester: { cookie: "graylane_t_1" } } };
    assert.deepEqual(diffState(shop, l).changes, [
      { kind: "gray", part: "header", desired: "X-Gray: 1", live: null },
      { kind: "gray", part: "cidrs", desired: "10.0.0.0/8", live: "10.0.0.0/8, 192.168.0.0/16" },
      { kind: "gray", part: "tester", desired: null, live: "graylane_t_1" },
    ]);
  });
  it("reports algorithm and gray differences", () => {
    const l = { ...live(), algorithm: "ip_hash" as const, gray: { ...live().gray, percent: 50 } };
    assert.deepEqual(diffState(shop, l).fields, ["algorithm", "gray"]);
  });
  it("treats an unset revision on the gateway (brief API) as a difference", () => {
    assert.equal(diffState(shop, { ...live(), revision: null }).kind, "revision");
  });
  it("compares addresses canonically", () => {
    const desired = { ...shop, nodes: [{ addr: "[::1]:80", weight: 1, state: "active" as const, backup: false }] };
    const l = { ...toGatewayState(desired), nodes: [{ addr: "[0:0:0:0:0:0:0:1]:80", weight: 1, state: "active" as const, backup: false }] };
    assert.equal(diffState(desired, l).kind, "in_sync");
  });
  it("compares health only when the portal sets it", () => {
    const withHealth = { ...shop, health: { max_fails: 1, fail_timeout: 10 } };
    assert.equal(diffState(shop, { ...live(), health: { max_fails: 3, fail_timeout: 10 } }).kind, "in_sync");
    assert.deepEqual(diffState(withHealth, { ...live(), health: { max_fails: 3, fail_timeout: 10 } }).fields, ["health"]);
  });
});

describe("countNodes", () => {
  it("counts per state and backups", () => {
    assert.deepEqual(
      countNodes([
        { state: "active", backup: false },
        { state: "active", backup: true },
        { state: "draining", backup: false },
        { state: "down", backup: false },
      ]),
      { active: 2, gray: 0, draining: 1, down: 1, backup: 1, total: 4 },
    );
  });
});
