import assert from "node:assert/strict";
import { test } from "node:test";

import { canonicalJson, computeEventHash, type AuditEventFields } from "./chain";

test("canonicalJson sorts keys at every depth and drops undefined members", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { y: 1, x: undefined, w: null }], c: "s" } }),
    '{"a":{"c":"s","d":[3,{"w":null,"y":1}]},"b":1}',
  );
  assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
  assert.equal(canonicalJson([undefined, 1n, new Date(Date.UTC(2026, 0, 2))]), '[null,"1","2026-01-02T00:00:00.000Z"]');
  assert.throws(() => canonicalJson({ x: Number.NaN }), /no JSON form/);
});

const fields: AuditEventFields = {
  createdAt: new Date(Date.UTC(2026, 10, 27, 12, 0, 0, 123)),
  actorId: "u1",
  actorEmail: "ops@example.com",
  actorRole: "OPERATOR",
  clientIp: "10.0.0.1",
  userAgent: "test",
  action: "node.add",
  targetType: "node",
  targetName: "127.0.0.1:8081",
  serviceName: "shop",
  releaseId: null,
  before: null,
  after: { weight: 1, addr: "127.0.0.1:8081" },
  reason: null,
};

test("computeEventHash is a stable SHA-256 over the content and the previous hash", () => {
  const hash = computeEventHash(null, fields);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(computeEventHash(null, { ...fields, after: { addr: "127.0.0.1:8081", weight: 1 } }), hash);
  assert.notEqual(computeEventHash("0".repeat(64), fields), hash);
  for (const [key, value] of Object.entries({ actorEmail: "x@example.com", clientIp: "10.0.0.2", reason: "r", after: { weight: 2, addr: "127.0.0.1:8081" } })) {
    assert.notEqual(computeEventHash(null, { ...fields, [key]: value }), hash, `${key} is hashed`);
  }
  assert.notEqual(computeEventHash(null, { ...fields, createdAt: new Date(fields.createdAt.getTime() + 1) }), hash);
});
