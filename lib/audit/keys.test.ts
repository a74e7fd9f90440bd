import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";

import { computeKeyedEventHash, type AuditEventFields } from "./chain";
import { auditKeyId, loadAuditKeyring } from "./keys";

const hex = () => randomBytes(32).toString("hex");

test("the audit key: hex or base64, named by a key id that does not reveal it", () => {
  const raw = randomBytes(32);
  const fromHex = loadAuditKeyring({ GRAYLANE_AUDIT_KEY: raw.toString("hex") });
  const fromB64 = loadAuditKeyring({ GRAYLANE_AUDIT_KEY: raw.toString("base64") });
  assert.equal(fromHex.current.id, fromB64.current.id);
  assert.match(fromHex.current.id, /^[0-9a-f]{16}$/);
  assert.ok(!raw.toString("hex").includes(fromHex.current.id));
  assert.throws(() => loadAuditKeyring({ GRAYLANE_AUDIT_KEY: "abcd" }), /GRAYLANE_AUDIT_KEY must be 32 bytes/);
});

test("production needs GRAYLANE_AUDIT_KEY; elsewhere it is derived from GRAYLANE_SECRET_KEY", () => {
  const secret = hex();
  assert.throws(() => loadAuditKeyring({ NODE_ENV: "production", GRAYLANE_SECRET_KEY: secret }), /GRAYLANE_AUDIT_KEY is not set/);
  assert.throws(() => loadAuditKeyring({ NODE_ENV: "development" }), /GRAYLANE_AUDIT_KEY is not set/);
  const dev = loadAuditKeyring({ NODE_ENV: "development", GRAYLANE_SECRET_KEY: secret });
  assert.equal(dev.source, "derived from GRAYLANE_SECRET_KEY");
  assert.notEqual(dev.current.key.toString("hex"), secret, "not the secret key itself");
  assert.deepEqual(loadAuditKeyring({ NODE_ENV: "test", GRAYLANE_SECRET_KEY: secret }).current, dev.current);
});

test("rotation: old keys verify, the current one signs", () => {
  const [oldA, oldB, current] = [hex(), hex(), hex()];
  const ring = loadAuditKeyring({ GRAYLANE_AUDIT_KEY: current, GRAYLANE_AUDIT_KEYS_OLD: ` ${oldA}, ${oldB} ` });
  assert.equal(ring.current.id, auditKeyId(Buffer.from(current, "hex")));
  assert.equal(ring.byId.size, 3);
  assert.ok(ring.byId.has(auditKeyId(Buffer.from(oldA, "hex"))));
  assert.throws(() => loadAuditKeyring({ GRAYLANE_AUDIT_KEY: current, GRAYLANE_AUDIT_KEYS_OLD: "nope" }), /GRAYLANE_AUDIT_KEYS_OLD \(entry 1\)/);
});

test("the keyed hash depends on the key, the key id, the link and the content", () => {
  const fields: AuditEventFields = {
    createdAt: new Date(Date.UTC(2026, 10, 27)), actorId: null, actorEmail: "a@x.test", actorRole: "ADMIN", clientIp: "", userAgent: "",
    action: "node.add", targetType: "node", targetName: "n", serviceName: null, releaseId: null, before: null, after: { w: 1 }, reason: null,
  };
  const k1 = Buffer.from(hex(), "hex");
  const k2 = Buffer.from(hex(), "hex");
  const h = computeKeyedEventHash(k1, "id1", null, fields);
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(computeKeyedEventHash(k1, "id1", null, { ...fields }), h);
  assert.notEqual(computeKeyedEventHash(k2, "id1", null, fields), h);
  assert.notEqual(computeKeyedEventHash(k1, "id2", null, fields), h);
  assert.notEqual(computeKeyedEventHash(k1, "id1", "0".repeat(64), fields), h);
  assert.notEqual(computeKeyedEventHash(k1, "id1", null, { ...fields, after: { w: 2 } }), h);
});
