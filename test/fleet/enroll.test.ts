// Self-enrollment (issue 15), for real: `npm run gateway` with GRAYLANE_PORTAL_URL and
// GRAYLANE_ENROLL_TOKEN, enroll.lua POSTing over a cosocket to the real enrollment route, the
// enrollment's own first sync pushing the group's services to the new gateway; then a restart (same name,
// idempotent), a revoked token, and the API's refusals, each naming its code or field.
import "../support/audit-env";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { decrypt } from "@/lib/crypto";
import { createEnrollToken, revokeEnrollToken } from "@/lib/enroll/tokens";
import { enrollRoute } from "@/lib/api/enroll";
import { createGatewayClient } from "@/lib/gateways/client";
import { reconcileOnce } from "@/lib/reconcile/reconcile";
import { createService } from "@/lib/services/mutations";
import { createServiceSchema } from "@/lib/validations/node";
import type { Db } from "@/lib/db";
import { setupDatabase } from "../portal/helpers";
import { admin, npmGateway, seedAdmin, sleep, startEnrollPortal, waitFor, type NpmGateway, type PortalStub } from "./helpers";

let db: Db;
let drop: () => Promise<void>;
let portal: PortalStub;
let token: string;
let tokenId: string;
let gw: NpmGateway | null = null;

before(async () => {
  ({ db, drop } = await setupDatabase());
  await seedAdmin(db);
  const t = await createEnrollToken(db, admin, { name: "ci fleet" });
  token = t.token;
  tokenId = t.enrollToken.id;
  portal = await startEnrollPortal(db);
  await createService(db, admin, createServiceSchema.parse({ name: "shop", nodes: [{ addr: "127.0.0.1:18081" }] }));
});

after(async () => {
  await gw?.stop();
  await portal?.close();
  await drop?.();
});

function enrollReq(body: unknown, bearer: string | null = token): Request {
  return new Request(`${portal.url}/api/v1/gateways/enroll`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    body: JSON.stringify(body),
  });
}

describe("enrollment", () => {
  it("a new gateway registers itself with a generated admin token and gets its group's services right away (its enrollment starts its first sync)", async () => {
    gw = await npmGateway({ GRAYLANE_PORTAL_URL: portal.url, GRAYLANE_ENROLL_TOKEN: token, GRAYLANE_GATEWAY_NAME: "edge-1" });
    const row = await waitFor("edge-1 enrolled", () => db.gateway.findUnique({ where: { name: "edge-1" } }));
    assert.equal(row.group, "default");
    assert.equal(row.enrollTokenId, tokenId);
    assert.equal(row.adminUrl, `http://${gw.adminListen}`);
    assert.ok(row.lastSeenAt);

    // The per-gateway admin token: generated into the state dir, 0600, and what the portal stored.
    const file = path.join(gw.stateDir, "admin.token");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const adminToken = fs.readFileSync(file, "utf8").trim();
    assert.match(adminToken, /^[0-9a-f]{64}$/);
    assert.equal(decrypt(row.tokenEnc), adminToken);
    // The gateway logs after it reads the portal's answer, which may be after the row exists.
    await waitFor("the gateway logs its enrollment", async () => /graylane\.enroll \{[^\n]*"event":"enrolled"/.test(gw!.errorLog()));

    const [ev] = await db.auditEvent.findMany({ where: { action: "gateway.enroll" } });
    assert.equal(ev.actorEmail, admin.email);
    assert.equal(ev.actorRole, "ENROLLMENT");
    assert.equal(ev.targetName, "edge-1");
    assert.match(ev.reason ?? "", /enrollment token ci fleet \(gle_/);
    assert.doesNotMatch(JSON.stringify(ev, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)), new RegExp(adminToken));

    const client = createGatewayClient({ adminUrl: row.adminUrl, token: adminToken });
    // The enrollment started the gateway's first sync: no reconcile pass needed.
    await waitFor("shop on edge-1", async () => (await client.getUpstream("shop"))?.revision === 1);
    // Once that sync is over (a pass meanwhile leaves the gateway to it: busy), nothing is left to do.
    const report = await waitFor("the enrollment's sync over", async () => {
      const r = await reconcileOnce(db, undefined, { settleMs: 0 });
      return r.gateways.some((g) => g.busy) ? null : r;
    });
    const sync = await db.auditEvent.findFirstOrThrow({ where: { action: "service.sync", targetName: "edge-1" } });
    assert.equal(sync.serviceName, "shop");
    assert.equal(sync.actorEmail, "system");
    assert.deepEqual(report.gateways.map((g) => [g.gatewayName, g.repaired.length, g.inSync]), [["edge-1", 0, 1]]);
  });

  it("a restart re-enrolls the same name idempotently: one row, same token, one more audit event", async () => {
    const before = await db.gateway.findUniqueOrThrow({ where: { name: "edge-1" } });
    const events = await db.auditEvent.count({ where: { action: "gateway.enroll" } });
    await gw!.stop();
    await gw!.start({ GRAYLANE_GATEWAY_GROUP: "default" });
    await waitFor("re-enrollment", async () => (await db.auditEvent.count({ where: { action: "gateway.enroll" } })) === events + 1);
    const rows = await db.gateway.findMany();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].id, before.id);
    assert.equal(decrypt(rows[0].tokenEnc), decrypt(before.tokenEnc));
    assert.ok(rows[0].enrolledAt! > before.enrolledAt!);
    const ev = await db.auditEvent.findFirstOrThrow({ where: { action: "gateway.enroll" }, orderBy: { id: "desc" } });
    assert.equal((ev.after as { reenrolled: boolean }).reenrolled, true);
  });

  it("a revoked token is refused with 401 enroll_token_revoked; the gateway logs it and keeps its registration", async () => {
    await revokeEnrollToken(db, admin, tokenId);
    const revoke = await db.auditEvent.findFirstOrThrow({ where: { action: "enroll_token.revoke" } });
    assert.equal(revoke.actorEmail, admin.email);
    const before = await db.gateway.findUniqueOrThrow({ where: { name: "edge-1" } });
    await gw!.stop();
    await gw!.start();
    await waitFor("refusal in the gateway's log", async () => gw!.errorLog().split("\n").some((l) => l.includes('"event":"enroll_failed"') && l.includes('"code":"enroll_token_revoked"')));
    assert.ok(gw!.errorLog().split("\n").some((l) => l.includes("enroll_token_revoked") && l.includes('"status":401')));
    const after = await db.gateway.findUniqueOrThrow({ where: { name: "edge-1" } });
    assert.deepEqual(after.enrolledAt, before.enrolledAt);
    await gw!.stop();
  });

  it("refuses missing, unknown and expired tokens, a name another token enrolled, and bad bodies naming the field", async () => {
    const body = { name: "edge-2", adminUrl: "http://127.0.0.1:1", adminToken: "x".repeat(32) };
    // A browser's session cookie is no way in: only the enrollment token counts (no CSRF surface).
    const withCookie = enrollReq(body, null);
    withCookie.headers.set("cookie", "next-auth.session-token=anything");
    const missing = await enrollRoute(withCookie, { db });
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, "enroll_token_missing");
    const unknown = await enrollRoute(enrollReq(body, "gle_" + "A".repeat(43)), { db });
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "enroll_token_unknown");
    const expired = await createEnrollToken(db, admin, { name: "old", expiresAt: new Date(Date.now() - 1000) });
    const exp = await enrollRoute(enrollReq(body, expired.token), { db });
    assert.equal(exp.status, 401);
    assert.equal(((await exp.json()) as { error: { code: string } }).error.code, "enroll_token_expired");

    const other = await createEnrollToken(db, admin, { name: "other team" });
    const hijack = await enrollRoute(enrollReq({ ...body, name: "edge-1" }, other.token), { db });
    assert.equal(hijack.status, 409);
    assert.equal(((await hijack.json()) as { error: { code: string } }).error.code, "gateway_name_taken");

    for (const [bad, field] of [
      [{ ...body, name: "no spaces" }, "name"],
      [{ ...body, adminUrl: "http://x/path" }, "adminUrl"],
      [{ ...body, adminToken: "short" }, "adminToken"],
      [{ ...body, group: "Not A Group!" }, "group"],
    ] as const) {
      const res = await enrollRoute(enrollReq(bad, other.token), { db });
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(((await res.json()) as { error: { field: string } }).error.field, field);
    }
    // An admin URL the portal cannot read with the token sent: 502 gateway_unreachable, nothing stored.
    const dead = await enrollRoute(enrollReq(body, other.token), { db });
    assert.equal(dead.status, 502);
    assert.equal(((await dead.json()) as { error: { code: string } }).error.code, "gateway_unreachable");
    assert.equal(await db.gateway.count({ where: { name: "edge-2" } }), 0);
    await sleep(0);
  });
});
