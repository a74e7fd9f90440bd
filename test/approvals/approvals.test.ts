// Four eyes on releases against real PostgreSQL and a real gateway: the policy puts steps
// above N % and the promotion behind an approval; the refusal files the request (audited,
// notified); another user with releases.approve decides through the automation API (API
// tokens, the routes' own chain); self-approval and unconfigured MANAGERs are refused.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { approvalsApi } from "@/lib/api/approvals";
import { setApprovalPolicy } from "@/lib/approvals/policy";
import { approvalPolicySchema } from "@/lib/approvals/schema";
import { isAppError } from "@/lib/errors";
import { deliverDue } from "@/lib/notifications/outbox";
import { createWebhookSchema } from "@/lib/notifications/schema";
import { createWebhook } from "@/lib/notifications/webhooks";
import { releasesApi, type ResolveUser } from "@/lib/api/releases";
import { rollbackRelease, startRelease, stepRelease } from "@/lib/releases/mutations";
import { SYSTEM_ACTOR, type Actor } from "@/lib/audit/append";
import { startReleaseSchema } from "@/lib/validations/release";
import { makeService, operator, withEnv, type Env } from "../releases/helpers";
import { startReceiver, type Receiver } from "../notifications/receiver";

let rx: Receiver;
let deps: { db: Env["db"]; resolveUser: ResolveUser };
const tokens: Record<"adminA" | "adminB" | "manager" | "operator", string> = { adminA: "", adminB: "", manager: "", operator: "" };
const adminActor: Actor = { id: null, email: "policy-admin@example.test", role: "ADMIN", clientIp: "", userAgent: "test" };
const SVC = "pay";

function call(method: string, path: string, token: string, body?: unknown): Request {
  return new Request(`http://portal.test/api/v1/releases${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function percentOnGateway(): Promise<number> {
  return (await env.admin.getUpstream(SVC))?.gray.percent ?? -1;
}

async function policy(p: { promotion?: boolean; above?: number | null; managers?: boolean }) {
  await setApprovalPolicy(env.db, adminActor, approvalPolicySchema.parse({ serviceName: SVC, promotionNeedsApproval: p.promotion ?? true, stepsAbovePercent: p.above === undefined ? 25 : p.above, managersMayApprove: p.managers ?? false }));
}

const env = withEnv(3, async (env) => {
  process.env.DATABASE_URL = env.url;
  const { createApiToken, verifyApiToken } = await import("@/lib/api-tokens");
  deps = { db: env.db, resolveUser: (req) => verifyApiToken(req.headers.get("authorization")) };
  const mk = async (email: string, role: "ADMIN" | "OPERATOR" | "MANAGER") => {
    const u = await env.db.user.create({ data: { email, name: email, passwordHash: "x", role } });
    return (await createApiToken(u.id, "t")).token;
  };
  tokens.adminA = await mk("alice@example.test", "ADMIN");
  tokens.adminB = await mk("bob@example.test", "ADMIN");
  tokens.manager = await mk("mia@example.test", "MANAGER");
  tokens.operator = await mk("oscar@example.test", "OPERATOR");
  rx = await startReceiver();
  await makeService(env, SVC, env.backends.addrs);
  await createWebhook(env.db, adminActor, createWebhookSchema.parse({ name: "approvals", format: "generic", url: rx.url, events: ["release.approval_requested"] }));
});

after(async () => {
  await rx?.stop();
});

describe("approvals", () => {
  let id: string;

  it("a step above the policy's share is refused with approval_required and files one audited, notified request", async () => {
    await policy({});
    const start = await json(await releasesApi.start(call("POST", "", tokens.operator, { service: SVC, version: "v9", targets: [env.backends.addrs[2]], steps: "10,50" }), deps));
    assert.equal(start.status, 201, JSON.stringify(start.body));
    id = start.body.releaseId;
    const s1 = await json(await releasesApi.step(call("POST", `/${id}/step`, tokens.operator, {}), deps, id));
    assert.equal(s1.status, 200, JSON.stringify(s1.body));
    assert.equal(await percentOnGateway(), 10);

    const s2 = await json(await releasesApi.step(call("POST", `/${id}/step`, tokens.operator, {}), deps, id));
    assert.equal(s2.status, 409);
    assert.equal(s2.body.error.code, "approval_required");
    assert.equal(await percentOnGateway(), 10, "nothing changed on the gateway");
    // Asking again (a second click, the analyzer's auto-advance) keeps the one request.
    await assert.rejects(stepRelease(env.db, operator, { id }), (e) => isAppError(e) && e.reason === "approval_required");
    const reqs = await env.db.approvalRequest.findMany({ where: { releaseId: id } });
    assert.equal(reqs.length, 1);
    assert.deepEqual([reqs[0].status, reqs[0].kind, reqs[0].percent, reqs[0].requestedBy], ["PENDING", "step", 50, "oscar@example.test"]);

    const view = await json(await approvalsApi.get(call("GET", `/${id}/approval`, tokens.manager), deps, id));
    assert.equal(view.status, 200);
    assert.equal(view.body.approval.status, "PENDING");
    assert.deepEqual(view.body.plan.steps, [10, 50]);
    assert.equal(view.body.plan.percent, 10);
    assert.ok("comparison" in view.body && "split" in view.body.comparison);

    const timeline = await env.db.auditEvent.findMany({ where: { releaseId: id }, orderBy: { id: "asc" } });
    assert.deepEqual(timeline.map((e) => e.action), ["release.start", "release.step", "release.approval_request"]);
    await deliverDue(env.db);
    await rx.waitFor(1);
    const p = JSON.parse(rx.received[0].body);
    assert.equal(p.type, "release.approval_requested");
    assert.deepEqual(p.approval, { id: reqs[0].id, kind: "step", percent: 50 });
  });

  it("OPERATORs cannot approve; a MANAGER only where the policy allows it", async () => {
    const op = await json(await approvalsApi.approve(call("POST", `/${id}/approve`, tokens.operator, { comment: "ok" }), deps, id));
    assert.equal(op.status, 403);
    const mgr = await json(await approvalsApi.approve(call("POST", `/${id}/approve`, tokens.manager, { comment: "ok" }), deps, id));
    assert.equal(mgr.status, 403);
    assert.equal(mgr.body.error.code, "approval_not_allowed");
    assert.equal((await env.db.approvalRequest.findFirstOrThrow({ where: { releaseId: id } })).status, "PENDING");
    assert.equal(await percentOnGateway(), 10);
  });

  it("a rejection with a comment is audited on the timeline; the next try files a new request", async () => {
    const rej = await json(await approvalsApi.reject(call("POST", `/${id}/reject`, tokens.adminA, { comment: "error budget spent" }), deps, id));
    assert.equal(rej.status, 200, JSON.stringify(rej.body));
    const ev = await env.db.auditEvent.findFirstOrThrow({ where: { releaseId: id, action: "release.reject" } });
    assert.equal(ev.actorEmail, "alice@example.test");
    assert.equal(ev.reason, "error budget spent");
    const again = await json(await approvalsApi.approve(call("POST", `/${id}/approve`, tokens.adminB, {}), deps, id));
    assert.equal(again.status, 409, "nothing pending any more");
    assert.equal(again.body.error.code, "approval_not_pending");
    const s = await json(await releasesApi.step(call("POST", `/${id}/step`, tokens.adminA, { percent: 50 }), deps, id));
    assert.equal(s.body.error.code, "approval_required");
  });

  it("the requester cannot approve their own request (refused on the server); another ADMIN can, and the step happens", async () => {
    const self = await json(await approvalsApi.approve(call("POST", `/${id}/approve`, tokens.adminA, { comment: "mine" }), deps, id));
    assert.equal(self.status, 403);
    assert.equal(self.body.error.code, "self_approval");
    assert.equal(await percentOnGateway(), 10);

    const ok = await json(await approvalsApi.approve(call("POST", `/${id}/approve`, tokens.adminB, { comment: "looks healthy" }), deps, id));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.ok(ok.body.change.outcomes.every((o: { ok: boolean }) => o.ok));
    assert.equal(await percentOnGateway(), 50);
    const reqs = await env.db.approvalRequest.findMany({ where: { releaseId: id }, orderBy: { requestedAt: "asc" } });
    assert.deepEqual(reqs.map((r) => r.status), ["REJECTED", "USED"], "the approval was used by the step");
    const actions = (await env.db.auditEvent.findMany({ where: { releaseId: id }, orderBy: { id: "asc" } })).map((e) => `${e.action}:${e.actorEmail}`);
    assert.deepEqual(actions.slice(-3), ["release.approval_request:alice@example.test", "release.approve:bob@example.test", "release.step:bob@example.test"]);
  });

  it("promotion needs approval too; with managersMayApprove a MANAGER approves it", async () => {
    await policy({ managers: true });
    const pr = await json(await releasesApi.promote(call("POST", `/${id}/promote`, tokens.operator), deps, id));
    assert.equal(pr.body.error.code, "approval_required");
    const ok = await json(await approvalsApi.approve(call("POST", `/${id}/approve`, tokens.manager, { comment: "go" }), deps, id));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const r = await env.db.release.findUniqueOrThrow({ where: { id } });
    assert.equal(r.status, "PROMOTED");
    assert.equal(r.endedBy, "mia@example.test");
    assert.equal(await percentOnGateway(), 0);
  });

  it("the analyzer's auto-advance (the system actor) waits like a person; any approver may decide its request", async () => {
    const r = await startRelease(env.db, operator, startReleaseSchema.parse({ service: SVC, version: "v9b", targets: [env.backends.addrs[1]], steps: "10,50" }));
    await stepRelease(env.db, operator, { id: r.releaseId });
    // What ReleaseAnalyzer.tick does after a healthy dwell: stepRelease as the system, expecting the current step.
    await assert.rejects(stepRelease(env.db, SYSTEM_ACTOR, { id: r.releaseId, expectedStep: 0 }), (e) => isAppError(e) && e.reason === "approval_required");
    assert.equal(await percentOnGateway(), 10);
    const req = await env.db.approvalRequest.findFirstOrThrow({ where: { releaseId: r.releaseId, status: "PENDING" } });
    assert.equal(req.requestedBy, "system");
    const ok = await json(await approvalsApi.approve(call("POST", `/${r.releaseId}/approve`, tokens.adminA, { comment: "auto-advance ok" }), deps, r.releaseId));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(await percentOnGateway(), 50);
    await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "done" });
  });

  it("ending the release cancels a pending request; no policy, no approval", async () => {
    const r = await startRelease(env.db, operator, startReleaseSchema.parse({ service: SVC, version: "v10", targets: [env.backends.addrs[1]], steps: "50" }));
    await assert.rejects(stepRelease(env.db, operator, { id: r.releaseId }), (e) => isAppError(e) && e.reason === "approval_required");
    await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "changed my mind" });
    assert.equal((await env.db.approvalRequest.findFirstOrThrow({ where: { releaseId: r.releaseId } })).status, "CANCELLED");
    await policy({ promotion: false, above: null });
    const r2 = await startRelease(env.db, operator, startReleaseSchema.parse({ service: SVC, version: "v11", targets: [env.backends.addrs[1]], steps: "50" }));
    await stepRelease(env.db, operator, { id: r2.releaseId });
    assert.equal(await percentOnGateway(), 50);
    await rollbackRelease(env.db, operator, { id: r2.releaseId, reason: "done" });
  });
});
