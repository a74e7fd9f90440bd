// Notifications end to end: real PostgreSQL, a real gateway (nginx + Lua) and a local HTTP
// receiver. Release changes made through the release flow queue deliveries in their own
// transaction; the outbox sends them signed, retries with backoff, and keeps a delivery log.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import { parse } from "yaml";
import { after, describe, it } from "node:test";
import { decrypt } from "@/lib/crypto";
import { checkGatewaySync } from "@/lib/notifications/gateway-alerts";
import type { NotificationPayload } from "@/lib/notifications/events";
import { deliverDue, type OutboxOptions } from "@/lib/notifications/outbox";
import { createWebhookSchema } from "@/lib/notifications/schema";
import { verifySignature } from "@/lib/notifications/signer";
import { createWebhook, deleteWebhook, listDeliveries, rotateWebhookSecret, sendTestWebhook } from "@/lib/notifications/webhooks";
import { startNotificationWorker } from "@/lib/notifications/worker";
import { reconcileOnce } from "@/lib/reconcile/reconcile";
import { autoRollback, promoteRelease, rollbackRelease, startRelease, stepRelease } from "@/lib/releases/mutations";
import type { Actor } from "@/lib/audit/append";
import { startReleaseSchema } from "@/lib/validations/release";
import { makeService, operator, sleep, withEnv } from "../releases/helpers";
import { startReceiver, type Receiver } from "./receiver";

const adminActor: Actor = { id: null, email: "admin@example.test", role: "ADMIN", clientIp: "203.0.113.9", userAgent: "notify-test" };
const FAST: OutboxOptions = { backoffMs: 50, maxBackoffMs: 10_000, maxAttempts: 4, timeoutMs: 3000, batch: 20 };
const ALL_EVENTS = ["release.started", "release.step", "release.promoted", "release.rolled_back", "gateway.out_of_sync"];

// The payload documented under `webhooks:` in openapi/graylane.yaml: every generic body must match it.
const openapi = parse(readFileSync(path.resolve(import.meta.dirname, "../../openapi/graylane.yaml"), "utf8")) as { webhooks: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
const validatePayload = new Ajv2020({ strict: false, validateFormats: false, allErrors: true }).compile(openapi.webhooks.releaseEvent.post.requestBody.content["application/json"].schema);
function assertDocumented(body: unknown) {
  assert.ok(validatePayload(body), `payload does not match openapi webhooks: ${JSON.stringify(validatePayload.errors)}\n${JSON.stringify(body)}`);
}

let rx: Receiver;
let A: string, B: string, C: string;

function hookInput(extra: Record<string, unknown>) {
  return createWebhookSchema.parse({ name: `hook-${Math.random().toString(36).slice(2, 8)}`, format: "generic", url: `${rx.url}/generic`, events: ALL_EVENTS, ...extra });
}

async function drain(until: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!until()) {
    if (Date.now() > end) throw new Error("outbox did not drain in time");
    await deliverDue(env.db, FAST);
    await sleep(20);
  }
}

function start(service: string, targets: string[]) {
  return startRelease(env.db, operator, startReleaseSchema.parse({ service, version: "v2", targets, steps: "10,50" }));
}

const env = withEnv(3, async (env) => {
  [A, B, C] = env.backends.addrs;
  rx = await startReceiver();
  await makeService(env, "shop", [A, B, C]);
  await makeService(env, "cart", [A, B, C]);
});

after(async () => {
  await rx?.stop();
});

describe("webhooks", () => {
  it("refuses non-http(s) URLs and URLs with credentials, naming the field", () => {
    for (const url of ["file:///etc/passwd", "gopher://127.0.0.1/", "javascript:alert(1)", "ftp://x/", "http://user:pw@example.com/", "not a url"]) {
      const r = createWebhookSchema.safeParse({ name: "x", format: "generic", url, events: ["release.step"] });
      assert.equal(r.success, false, url);
      assert.deepEqual(r.error!.issues.map((i) => i.path.join(".")), ["url"], url);
    }
    assert.equal(createWebhookSchema.safeParse({ name: "x", format: "generic", url: "https://example.com/h", events: [] }).success, false, "at least one event");
  });

  it("release events reach a generic webhook signed, in order, for its service only; the log shows each delivery", async () => {
    const { webhook, secret } = await createWebhook(env.db, adminActor, hookInput({ serviceName: "shop" }));
    // Stored encrypted, shown once; the audit event keeps scheme://host/… only.
    const row = await env.db.webhook.findUniqueOrThrow({ where: { id: webhook.id } });
    assert.ok(!row.secretEnc.includes(secret) && decrypt(row.secretEnc) === secret);
    assert.equal(decrypt(row.urlEnc), `${rx.url}/generic`);
    const audit = await env.db.auditEvent.findFirstOrThrow({ where: { action: "webhook.create", targetName: webhook.name } });
    assert.ok(!JSON.stringify(audit.after).includes("/generic") && !JSON.stringify(audit.after).includes(secret));

    const before = rx.received.length;
    const r = await start("shop", [C]);
    await stepRelease(env.db, operator, { id: r.releaseId });
    await promoteRelease(env.db, operator, { id: r.releaseId });
    // Another service's release: not for this webhook.
    const other = await start("cart", [C]);
    await rollbackRelease(env.db, operator, { id: other.releaseId, reason: "not today" });

    await drain(() => rx.received.length >= before + 3);
    await sleep(200);
    await deliverDue(env.db, FAST);
    const got = rx.received.slice(before);
    assert.equal(got.length, 3, got.map((g) => g.body).join("\n"));
    const bodies = got.map((g) => JSON.parse(g.body) as NotificationPayload);
    bodies.forEach(assertDocumented);
    assert.deepEqual(bodies.map((b) => b.type).sort(), ["release.promoted", "release.started", "release.step"]);
    for (const g of got) {
      assert.ok(verifySignature(secret, g.body, { signature: g.headers["x-graylane-signature"] as string, timestamp: g.headers["x-graylane-timestamp"] as string }), "signature verifies");
      assert.equal(verifySignature("whsec_wrong", g.body, { signature: g.headers["x-graylane-signature"] as string, timestamp: g.headers["x-graylane-timestamp"] as string }), false);
      // A changed body or an old timestamp does not verify.
      assert.equal(verifySignature(secret, g.body.replace("shop", "shoq"), { signature: g.headers["x-graylane-signature"] as string, timestamp: g.headers["x-graylane-timestamp"] as string }), false);
      assert.equal(verifySignature(secret, g.body, { signature: g.headers["x-graylane-signature"] as string, timestamp: g.headers["x-graylane-timestamp"] as string }, { now: Date.now() + 3_600_000 }), false);
      assert.equal(g.headers["x-graylane-event"], JSON.parse(g.body).type);
    }
    const step = bodies.find((b) => b.type === "release.step")!;
    assert.equal(step.service, "shop");
    assert.equal(step.release?.id, r.releaseId);
    assert.equal(step.release?.percent, 10);
    assert.equal(step.actor?.email, operator.email);
    assert.ok(step.auditEventId && (await env.db.auditEvent.findUnique({ where: { id: BigInt(step.auditEventId) } }))?.action === "release.step");

    const log = await listDeliveries(env.db, webhook.id);
    assert.equal(log.length, 3);
    assert.ok(log.every((d) => d.status === "DELIVERED" && d.attempts === 1 && d.lastStatus === 200));
    await deleteWebhook(env.db, adminActor, webhook.id);
  });

  it("retries after a 500 with exponential backoff, then delivers; gives up after the attempt limit", async () => {
    const { webhook } = await createWebhook(env.db, adminActor, hookInput({ events: ["release.started"], serviceName: "shop" }));
    const before = rx.received.length;
    rx.script.push(500, 500);
    const r = await start("shop", [C]);
    await drain(() => rx.received.length >= before + 3);
    const [d] = await listDeliveries(env.db, webhook.id);
    assert.equal(d.status, "DELIVERED");
    assert.equal(d.attempts, 3);
    const attempts = d.attemptLog as { status: number; retryInMs: number | null; at: string; error: string | null }[];
    assert.deepEqual(attempts.map((a) => a.status), [500, 500, 200]);
    assert.deepEqual(attempts.map((a) => a.retryInMs), [50, 100, null], "backoff doubles");
    assert.match(attempts[0].error ?? "", /HTTP 500/);
    // Each retry waited at least its backoff (a lower bound: never a speed assertion).
    assert.ok(Date.parse(attempts[1].at) - Date.parse(attempts[0].at) >= 50);
    assert.ok(Date.parse(attempts[2].at) - Date.parse(attempts[1].at) >= 100);
    // The same event, the same body each time (receivers deduplicate on the id).
    const ids = rx.received.slice(before).map((g) => JSON.parse(g.body).id);
    assert.equal(new Set(ids).size, 1);

    // A receiver that keeps failing: FAILED after maxAttempts, no further attempts.
    rx.script.push(503, 503, 503, 503, 503);
    await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "x" });
    await env.db.webhook.update({ where: { id: webhook.id }, data: { events: ["release.started", "release.rolled_back"] } });
    const r2 = await start("shop", [C]);
    const end = Date.now() + 15_000;
    let last = (await listDeliveries(env.db, webhook.id))[0];
    while (last.status === "PENDING" && Date.now() < end) {
      await deliverDue(env.db, FAST);
      await sleep(30);
      last = (await listDeliveries(env.db, webhook.id))[0];
    }
    assert.equal(last.status, "FAILED");
    assert.equal(last.attempts, FAST.maxAttempts);
    rx.script.length = 0;
    await rollbackRelease(env.db, operator, { id: r2.releaseId, reason: "x" });
    await deleteWebhook(env.db, adminActor, webhook.id);
  });

  it("an automatic rollback carries the reason codes and measurements; chat formats word it in the webhook's language", async () => {
    const generic = await createWebhook(env.db, adminActor, hookInput({ events: ["release.rolled_back"], serviceName: "shop" }));
    const dingtalk = await createWebhook(env.db, adminActor, hookInput({ events: ["release.rolled_back"], serviceName: "shop", format: "dingtalk", url: `${rx.url}/robot/send?access_token=abc`, signSecret: "SECdingtalk", locale: "zh-CN" }));
    const before = rx.received.length;
    const r = await start("shop", [C]);
    await stepRelease(env.db, operator, { id: r.releaseId });
    const reasons = [{ code: "error_rate", params: { grayPercent: 40, stablePercent: 0, requests: 200, deltaPoints: 5 } }];
    await autoRollback(env.db, r.releaseId, "gray 5xx rate 40.0%", { reasons, percent: 10 });
    rx.okBody = JSON.stringify({ errcode: 0, errmsg: "ok" });
    await drain(() => rx.received.length >= before + 2);
    rx.okBody = "{}";
    const got = rx.received.slice(before);
    const g = got.find((x) => x.url === "/generic")!;
    const p = JSON.parse(g.body) as NotificationPayload;
    assertDocumented(p);
    assert.equal(p.type, "release.rolled_back");
    assert.equal(p.actor?.email, "system");
    assert.deepEqual(p.reason, { text: "automatic: gray 5xx rate 40.0%", automatic: true, codes: reasons });
    assert.equal(p.release?.percent, 10);
    const d = got.find((x) => x.url.startsWith("/robot/send"))!;
    const body = JSON.parse(d.body) as { msgtype: string; markdown: { title: string; text: string } };
    assert.equal(body.msgtype, "markdown");
    assert.match(body.markdown.text, /灰度 5xx 错误率为 40%/);
    const u = new URL(d.url, rx.url);
    assert.equal(u.searchParams.get("access_token"), "abc");
    const ts = u.searchParams.get("timestamp")!;
    assert.equal(u.searchParams.get("sign"), createHmac("sha256", "SECdingtalk").update(`${ts}\nSECdingtalk`).digest("base64"));
    await deleteWebhook(env.db, adminActor, generic.webhook.id);
    await deleteWebhook(env.db, adminActor, dingtalk.webhook.id);
  });

  it("send test: Slack, Feishu/Lark (with sign) and generic shapes; rotating the secret changes the signature key", async () => {
    rx.okBody = JSON.stringify({ code: 0, msg: "success" });
    const slack = await createWebhook(env.db, adminActor, hookInput({ format: "slack", url: `${rx.url}/slack/T000/B000/XXX` }));
    const feishu = await createWebhook(env.db, adminActor, hookInput({ format: "feishu", url: `${rx.url}/open-apis/bot/v2/hook/xyz`, signSecret: "feishu-secret" }));
    const generic = await createWebhook(env.db, adminActor, hookInput({}));
    const before = rx.received.length;
    for (const w of [slack, feishu, generic]) assert.equal((await sendTestWebhook(env.db, adminActor, w.webhook.id)).status, "DELIVERED");
    const [s, f, g] = rx.received.slice(before);
    const sb = JSON.parse(s.body) as { text: string };
    assert.deepEqual(Object.keys(sb), ["text"]);
    assert.match(sb.text, /^\*Graylane test notification\*/);
    const fb = JSON.parse(f.body) as { timestamp: string; sign: string; msg_type: string; content: { text: string } };
    assert.equal(fb.msg_type, "text");
    assert.equal(typeof fb.content.text, "string");
    assert.equal(fb.sign, createHmac("sha256", `${fb.timestamp}\nfeishu-secret`).update("").digest("base64"));
    assert.ok(Math.abs(Number(fb.timestamp) - Date.now() / 1000) < 600, "seconds, not milliseconds");
    assert.equal((JSON.parse(g.body) as NotificationPayload).type, "webhook.test");
    assertDocumented(JSON.parse(g.body));
    // A robot that answers 200 with an error code is a failed delivery.
    rx.okBody = JSON.stringify({ code: 19021, msg: "sign match fail" });
    const bad = await sendTestWebhook(env.db, adminActor, feishu.webhook.id);
    assert.equal(bad.status, "PENDING");
    assert.match(bad.lastError ?? "", /robot error 19021/);
    rx.okBody = "{}";

    const { secret: rotated } = await rotateWebhookSecret(env.db, adminActor, generic.webhook.id);
    await sendTestWebhook(env.db, adminActor, generic.webhook.id);
    const last = rx.received.at(-1)!;
    const sig = { signature: last.headers["x-graylane-signature"] as string, timestamp: last.headers["x-graylane-timestamp"] as string };
    assert.ok(verifySignature(rotated, last.body, sig));
    assert.equal(verifySignature(generic.secret, last.body, sig), false);
    const actions = (await env.db.auditEvent.findMany({ where: { targetType: "webhook", targetName: generic.webhook.name }, orderBy: { id: "asc" } })).map((e) => e.action);
    assert.deepEqual(actions, ["webhook.create", "webhook.test", "webhook.rotate_secret", "webhook.test"]);
    for (const w of [slack, feishu, generic]) await deleteWebhook(env.db, adminActor, w.webhook.id);
  });

  it("GRAYLANE_WEBHOOK_ALLOW keeps deliveries off addresses outside it (checked after DNS, before connecting)", async () => {
    const w = await createWebhook(env.db, adminActor, hookInput({ url: `http://localhost:${new URL(rx.url).port}/x` }));
    const before = rx.received.length;
    process.env.GRAYLANE_WEBHOOK_ALLOW = "10.0.0.0/8";
    try {
      const r = await sendTestWebhook(env.db, adminActor, w.webhook.id);
      assert.equal(r.status, "PENDING");
      assert.match(r.lastError ?? "", /GRAYLANE_WEBHOOK_ALLOW/);
      assert.equal(rx.received.length, before, "nothing was sent");
    } finally {
      delete process.env.GRAYLANE_WEBHOOK_ALLOW;
    }
    await deleteWebhook(env.db, adminActor, w.webhook.id);
  });

  it("the worker (leader loop) sends what is queued", async () => {
    const w = await createWebhook(env.db, adminActor, hookInput({ events: ["release.started"], serviceName: "cart" }));
    const before = rx.received.length;
    const worker = startNotificationWorker({ databaseUrl: env.url, db: env.db, intervalMs: 100 });
    try {
      const r = await start("cart", [B]);
      await rx.waitFor(before + 1);
      assert.equal(JSON.parse(rx.received[before].body).release.id, r.releaseId);
      await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "done" });
    } finally {
      await worker.stop();
    }
    await deleteWebhook(env.db, adminActor, w.webhook.id);
  });

  it("a gateway out of sync for longer than the threshold is notified once per streak", async () => {
    const w = await createWebhook(env.db, adminActor, hookInput({ events: ["gateway.out_of_sync"] }));
    const before = rx.received.length;
    await env.gw.stop();
    await reconcileOnce(env.db, undefined, { settleMs: 0 });
    const t0 = new Date();
    assert.deepEqual(await checkGatewaySync(env.db, 60_000, t0), [], "not yet a minute");
    assert.deepEqual(await checkGatewaySync(env.db, 60_000, new Date(t0.getTime() + 30_000)), []);
    assert.deepEqual(await checkGatewaySync(env.db, 60_000, new Date(t0.getTime() + 61_000)), [env.gw.name]);
    assert.deepEqual(await checkGatewaySync(env.db, 60_000, new Date(t0.getTime() + 120_000)), [], "once per streak");
    await drain(() => rx.received.length >= before + 1);
    const p = JSON.parse(rx.received[before].body) as NotificationPayload;
    assertDocumented(p);
    assert.equal(p.type, "gateway.out_of_sync");
    assert.equal(p.gateway?.name, env.gw.name);
    assert.equal(p.gateway?.outOfSyncSince, t0.toISOString());
    assert.ok(p.gateway?.lastError, "says why");
    await deleteWebhook(env.db, adminActor, w.webhook.id);
  });
});
