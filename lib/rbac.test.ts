import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { can, isRole, PERMISSIONS, ROLES, type Permission } from "./rbac";

const WRITES = Object.keys(PERMISSIONS).filter((p) => p.endsWith(".write") && p !== "profile.write") as Permission[];

describe("permission table", () => {
  it("lets a MANAGER read everything but the user list, and change nothing but their own profile", () => {
    for (const p of Object.keys(PERMISSIONS) as Permission[]) {
      if (p.endsWith(".read") && p !== "users.read" && p !== "webhooks.read") assert.ok(can("MANAGER", p), p);
    }
    for (const p of WRITES) assert.equal(can("MANAGER", p), false, p);
    assert.ok(can("MANAGER", "profile.write"));
  });

  it("keeps users, gateways and webhooks to ADMIN", () => {
    for (const p of ["users.read", "users.write", "gateways.write", "webhooks.read", "webhooks.write"] as Permission[]) {
      assert.deepEqual(ROLES.filter((r) => can(r, p)), ["ADMIN"], p);
    }
  });

  it("lets OPERATOR and ADMIN change services, nodes and releases", () => {
    for (const p of ["services.write", "nodes.write", "releases.write"] as Permission[]) {
      assert.deepEqual(ROLES.filter((r) => can(r, p)), ["ADMIN", "OPERATOR"], p);
    }
  });

  it("lets ADMIN and MANAGER hold releases.approve (MANAGER per service, on the server); only ADMIN sets the policy", () => {
    assert.deepEqual(ROLES.filter((r) => can(r, "releases.approve")), ["ADMIN", "MANAGER"]);
    assert.deepEqual(ROLES.filter((r) => can(r, "approvals.configure")), ["ADMIN"]);
  });

  it("refuses unknown or missing roles", () => {
    assert.equal(can(null, "services.read"), false);
    assert.equal(can(undefined, "services.read"), false);
    assert.equal(can("ROOT" as never, "services.read"), false);
    assert.ok(isRole("ADMIN"));
    assert.equal(isRole("admin"), false);
  });
});
