// Gray exposure (issue 12 item 8) against a real PostgreSQL database, a real gateway and real
// backends: nobody reaches gray by sending a well-known header or cookie unless an operator
// opted in — not for a new service, not after adopting one, not during a release.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { promoteRelease, rollbackRelease, startRelease } from "@/lib/releases/mutations";
import { previewStart } from "@/lib/releases/read";
import { adoptService, createService } from "@/lib/services/mutations";
import { loadDesired } from "@/lib/services/read";
import { createServiceSchema } from "@/lib/validations/node";
import { startReleaseSchema } from "@/lib/validations/release";
import { followTesterLink, hit, operator, withEnv } from "../releases/helpers";

let A: string, B: string, C: string;

const STATIC = { header: { name: "X-Gray", value: "1" }, cookie: { name: "gray", value: "1" }, cidrs: [], percent: 0 };

/** How many of `n` requests with the well-known static header and cookie landed on `target`. */
async function staticHits(service: string, target: string, n = 20): Promise<number> {
  let count = 0;
  for (let i = 0; i < n; i++) {
    const r = await hit(env.gw.proxyUrl, { host: service, headers: { "x-gray": "1" }, cookie: "gray=1" });
    assert.equal(r.status, 200, r.body);
    if (r.addr === target) count++;
  }
  return count;
}

async function newService(name: string, gray?: typeof STATIC) {
  const input = createServiceSchema.parse({ name, ...(gray ? { gray } : {}), nodes: [{ addr: A }, { addr: B }, { addr: C }] });
  const r = await createService(env.db, operator, input);
  assert.ok(r.outcomes.every((o) => o.ok), JSON.stringify(r.outcomes));
}

function start(service: string, extra: Record<string, unknown> = {}) {
  return startRelease(env.db, operator, startReleaseSchema.parse({ service, version: "v2", targets: [C], ...extra }));
}

const env = withEnv(3, async (env) => {
  [A, B, C] = env.backends.addrs;
});

describe("gray exposure", () => {
  it("a new service has no static matcher, and during a release X-Gray: 1 / gray=1 reach nothing; the tester link does", async () => {
    await newService("fresh");
    const stored = await loadDesired(env.db, "fresh");
    assert.deepEqual([stored?.gray.header, stored?.gray.cookie], [null, null]);
    const r = await start("fresh");
    const live = await env.admin.getUpstream("fresh");
    assert.deepEqual([live?.gray.header ?? null, live?.gray.cookie ?? null], [null, null]);
    assert.equal(await staticHits("fresh", C), 0, "the static header/cookie reached the gray node");
    const cookie = await followTesterLink(env, r.releaseId);
    assert.equal((await hit(env.gw.proxyUrl, { host: "fresh", cookie })).addr, C);
    await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "" });
  });

  it("a release leaves an opted-in static matcher off unless the start keeps it; promote gives the service its setting back", async () => {
    await newService("optin", STATIC);
    const preview = await previewStart(env.db, "optin", [C]);
    assert.equal(preview.after.reaches.header, null);
    assert.equal((await previewStart(env.db, "optin", [C], true)).after.reaches.header?.name, "X-Gray");

    const r = await start("optin");
    assert.equal((await env.admin.getUpstream("optin"))?.gray.header ?? null, null);
    assert.equal(await staticHits("optin", C), 0);
    await promoteRelease(env.db, operator, { id: r.releaseId });
    const promoted = await loadDesired(env.db, "optin");
    assert.deepEqual(promoted?.gray.header, STATIC.header);
    assert.deepEqual(promoted?.gray.cookie, STATIC.cookie);

    // Explicitly kept: the header routes to gray, and the audit event says it was kept.
    const kept = await start("optin", { keepStaticMatchers: true });
    assert.deepEqual((await env.admin.getUpstream("optin"))?.gray.header, STATIC.header);
    assert.equal(await staticHits("optin", C, 5), 5);
    const ev = await env.db.auditEvent.findFirstOrThrow({ where: { action: "release.start", serviceName: "optin" }, orderBy: { id: "desc" } });
    assert.match(JSON.stringify(ev.after), /"keepStaticMatchers":true/);
    await rollbackRelease(env.db, operator, { id: kept.releaseId, reason: "" });
  });

  it("adopting a service does not adopt the gateway's static matchers", async () => {
    const res = await fetch(`${env.gw.adminUrl}/upstream_add?upstream=legacy&server=${A}`, { headers: { authorization: `Bearer ${env.gw.token}` } });
    assert.ok(res.ok, await res.text());
    await adoptService(env.db, operator, { service: "legacy", gatewayId: env.gw.id });
    const stored = await loadDesired(env.db, "legacy");
    assert.deepEqual([stored?.gray.header, stored?.gray.cookie], [null, null]);
    const live = await env.admin.getUpstream("legacy");
    assert.deepEqual([live?.gray.header ?? null, live?.gray.cookie ?? null], [null, null]);
  });
});
