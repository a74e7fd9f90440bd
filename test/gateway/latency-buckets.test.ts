// Each proxied request is counted in the latency histogram bucket its own
// measured time belongs to (lua/graylane/stats.lua picks the bucket by
// comparisons): one request per service, at delays that land in different
// buckets, then every cumulative bucket of /v1/stats must hold 1 exactly when
// the request's time (the histogram's sum) is within its bound. Compared
// with the request's own time, not with the delay, so a slow machine moves
// the request to a later bucket but cannot make the test fail.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import { eventually } from "../support/http";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;

withGateway(1, { workers: 1 }, (g, b) => {
  gw = g;
  be = b;
});

type Latency = { buckets: { le: number | "+Inf"; count: number }[]; count: number; sum: number };

test("a request is counted in the bucket of its own time, for every bucket bound", async () => {
  const delays = [0, 7, 20, 40, 80, 180, 350, 700, 1500];
  for (const ms of delays) {
    const name = `lat${ms}`;
    await gw.put(name, { nodes: [{ addr: be.addrs[0] }] });
    const r = await gw.proxy(`/slow?ms=${ms}`, { host: name });
    assert.equal(r.status, 200);
    const lat = await eventually(async () => {
      const s = await gw.admin("GET", `/v1/stats?service=${name}`);
      const l = s.json.services?.[0]?.nodes?.[0]?.latency as Latency | undefined;
      return l?.count === 1 ? l : undefined;
    });
    assert.ok(lat, `${name}: the request is not counted`);
    const t = lat.sum;
    assert.ok(t >= ms / 1000 - 0.002, `${name}: time ${t} below the delay`);
    for (const b of lat.buckets) {
      const want = b.le === "+Inf" || t <= b.le ? 1 : 0;
      assert.equal(b.count, want, `${name}: time ${t}, bucket le=${b.le} holds ${b.count}`);
    }
  }
});
