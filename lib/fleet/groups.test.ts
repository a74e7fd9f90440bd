import assert from "node:assert/strict";
import { it } from "node:test";
import { serviceGroupsSchema, groupSchema } from "@/lib/validations/group";
import { gatewaysForService, resultsForService, servesGateway } from "./groups";

const gws = [
  { id: "a", name: "stage-1", group: "staging" },
  { id: "b", name: "prod-1", group: "prod" },
  { id: "c", name: "old", group: undefined },
  { id: "d", name: "dflt", group: "default" },
];

it("selects the gateways of a service's groups; no groups or no group means default", () => {
  assert.deepEqual(gatewaysForService(gws, ["staging"]).map((g) => g.name), ["stage-1"]);
  assert.deepEqual(gatewaysForService(gws, ["prod", "staging"]).map((g) => g.name), ["stage-1", "prod-1"]);
  assert.deepEqual(gatewaysForService(gws, []).map((g) => g.name), ["old", "dflt"]);
  assert.deepEqual(gatewaysForService(gws, null).map((g) => g.name), ["old", "dflt"]);
  assert.equal(servesGateway(["staging"], "prod"), false);
  const reads = gws.map((g) => ({ gatewayId: g.id, ok: true }));
  assert.deepEqual(resultsForService(reads, gws, ["prod"]).map((r) => r.gatewayId), ["b"]);
});

it("validates group names and lists, naming what is wrong", () => {
  assert.equal(groupSchema.parse(""), "default");
  assert.equal(groupSchema.parse(" Prod-EU "), "prod-eu");
  assert.equal(groupSchema.safeParse("prod eu").success, false);
  assert.equal(groupSchema.safeParse("-x").error?.issues[0].message, "groupName");
  assert.deepEqual(serviceGroupsSchema.parse("staging, prod-eu staging"), ["prod-eu", "staging"]);
  assert.deepEqual(serviceGroupsSchema.parse([]), ["default"]);
  assert.equal(serviceGroupsSchema.safeParse(["ok", "Not OK!"]).error?.issues[0].message, "groupName");
  assert.equal(serviceGroupsSchema.safeParse(Array.from({ length: 33 }, (_, i) => `g${i}`)).error?.issues[0].message, "groupsTooMany");
});
