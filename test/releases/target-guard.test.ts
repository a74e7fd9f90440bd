// While a release is open, node actions on its targets are refused with a reason naming the
// release (lib/releases/target-guard.ts); other nodes and other changes go on as usual.
import assert from "node:assert/strict";
import { it } from "node:test";
import { isAppError } from "@/lib/errors";
import { rollbackRelease, startRelease } from "@/lib/releases/mutations";
import { loadDesired } from "@/lib/services/read";
import { removeNode, setNodeState, updateNode } from "@/lib/services/mutations";
import { startReleaseSchema } from "@/lib/validations/release";
import { makeService, operator, withEnv } from "./helpers";

const env = withEnv(3, async (env) => {
});

const revision = async (svc: string) => (await loadDesired(env.db, svc))!.revision;

it("refuses state changes and removal of a release target, naming the release; other nodes still change", async () => {
  const svc = "guarded";
  const [A, B, C] = env.backends.addrs;
  await makeService(env, svc, [A, B, C]);
  const r = await startRelease(env.db, operator, startReleaseSchema.parse({ service: svc, version: "v9", targets: [C] }));

  for (const attempt of [
    () => setNodeState(env.db, operator, { service: svc, revision: r.revision, addr: C, state: "active", force: false }),
    () => removeNode(env.db, operator, { service: svc, revision: r.revision, addr: C, force: false }),
  ]) {
    const e = await attempt().then(
      () => assert.fail("a change of a release target must be refused"),
      (err: unknown) => err,
    );
    assert.ok(isAppError(e), String(e));
    assert.equal(e.code, "conflict");
    assert.deepEqual(e.fieldErrors?._form, ["specific.releaseTarget"]);
    assert.equal(e.params.release, r.releaseId);
    assert.equal(e.params.version, "v9");
  }
  // Nothing changed: the target is still gray, the revision did not move, no audit event was written.
  const desired = (await loadDesired(env.db, svc))!;
  assert.equal(desired.revision, r.revision);
  assert.equal(desired.nodes.find((n) => n.addr === C)?.state, "gray");
  assert.equal(await env.db.auditEvent.count({ where: { serviceName: svc, action: { in: ["node.state", "node.remove"] } } }), 0);

  // A weight on the target and a state change of a stable node are not release changes.
  await updateNode(env.db, operator, { service: svc, revision: await revision(svc), addr: C, weight: 3, force: false });
  await setNodeState(env.db, operator, { service: svc, revision: await revision(svc), addr: B, state: "draining", force: false });

  // Once the release ended, the node is the operator's again.
  await rollbackRelease(env.db, operator, { id: r.releaseId, reason: "" });
  await setNodeState(env.db, operator, { service: svc, revision: await revision(svc), addr: C, state: "active", force: false });
  assert.equal((await loadDesired(env.db, svc))!.nodes.find((n) => n.addr === C)?.state, "active");
});
