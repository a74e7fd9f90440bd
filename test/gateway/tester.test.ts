// Signed tester cookies (HMAC-SHA256 via OpenSSL) and the /__graylane/tester
// and /__graylane/leave links. The signature covers "<service>.<exp>.<cookie name>", so a link
// or cookie made for one release's cookie name stops working once the gray rule names another.
import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { gateway, backends, tally, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import type { BackendsHandle } from "../../scripts/lib/backends";

const KEY = "tester-key-" + crypto.randomBytes(8).toString("hex");
let gw: TestGateway;
let be: BackendsHandle;
let A: string, B: string;
let nA: string, nB: string;

const DEFAULT = "graylane_tester";
function sign(service: string, exp: number, name = DEFAULT, key = KEY): string {
  return crypto.createHmac("sha256", key).update(`${service}.${exp}.${name}`).digest("hex");
}
const now = () => Math.floor(Date.now() / 1000);
const cookie = (service: string, exp: number, name = DEFAULT, key = KEY) => `${service}.${exp}.${sign(service, exp, name, key)}`;
const enter = (service: string, exp: number, sig: string) => `/__graylane/tester?service=${service}&exp=${exp}&sig=${sig}`;

withGateway(2, { workers: 2, testerKey: KEY }, async (g, b) => {
  gw = g;
  be = b;
  [A, B] = be.addrs;
  [nA, nB] = be.nodes.map((n) => n.name);
  await gw.put("shop.web", { nodes: [{ addr: A }, { addr: B, state: "gray" }], gray: { header: null, cookie: null, tester: { cookie: "graylane_tester" } } });
  await gw.put("other", { nodes: [{ addr: A }, { addr: B, state: "gray" }], gray: { header: null, cookie: null, tester: {} } });
});

test("a valid tester cookie routes to the gray pool", async () => {
  const c = `graylane_tester=${cookie("shop.web", now() + 600)}`;
  assert.deepEqual(await tally(gw, "shop.web", 6, { headers: { cookie: c } }), new Map([[nB, 6]]));
  assert.deepEqual(await tally(gw, "shop.web", 6), new Map([[nA, 6]]));
});

test("forged, expired, too-far-ahead and wrong-service cookies are ignored", async () => {
  const exp = now() + 600;
  const bad = [
    `shop.web.${exp}.${sign("shop.web", exp, DEFAULT, "wrong-key")}`, // forged
    `shop.web.${exp + 1}.${sign("shop.web", exp)}`, // signature of another expiry
    `shop.web.${exp}.${crypto.createHmac("sha256", KEY).update(`shop.web.${exp}`).digest("hex")}`, // old format, no cookie name
    cookie("shop.web", exp, "graylane_t_other"), // signed for another cookie name
    cookie("shop.web", now() - 5), // expired
    cookie("shop.web", now() + 2 * 24 * 3600), // more than 24 h ahead
    cookie("other", exp), // another service
    `shop.web.${exp}`, // no signature
    "garbage",
  ];
  for (const v of bad) {
    const counts = await tally(gw, "shop.web", 3, { headers: { cookie: `graylane_tester=${v}` } });
    assert.deepEqual(counts, new Map([[nA, 3]]), v);
  }
  // the default cookie name for "tester": {}
  assert.deepEqual(await tally(gw, "other", 3, { headers: { cookie: `graylane_tester=${cookie("other", exp)}` } }), new Map([[nB, 3]]));
});

test("/__graylane/tester sets the cookie and redirects; /__graylane/leave clears it", async () => {
  const exp = now() + 3600;
  const ok = await gw.proxy(enter("shop.web", exp, sign("shop.web", exp)), { host: "shop.web" });
  assert.equal(ok.status, 302);
  assert.equal(ok.headers.location?.replace(/^https?:\/\/[^/]+/, ""), "/");
  const setCookie = String(ok.headers["set-cookie"]);
  assert.match(setCookie, new RegExp(`^graylane_tester=shop\\.web\\.${exp}\\.[0-9a-f]{64}; `));
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)?.[1]);
  assert.ok(Math.abs(maxAge - 3600) <= 2, setCookie);
  const value = setCookie.split(";")[0];
  assert.deepEqual(await tally(gw, "shop.web", 3, { headers: { cookie: value } }), new Map([[nB, 3]]));

  const forged = await gw.proxy(enter("shop.web", exp, sign("shop.web", exp, DEFAULT, "nope")), { host: "shop.web" });
  assert.equal(forged.status, 403);
  assert.equal(forged.json.error.code, "invalid_tester_link");
  assert.equal(forged.headers["set-cookie"], undefined);
  const expired = await gw.proxy(enter("shop.web", now() - 1, sign("shop.web", now() - 1)), { host: "shop.web" });
  assert.equal(expired.status, 403);
  const missing = await gw.proxy(`/__graylane/tester?service=shop.web`, { host: "shop.web" });
  assert.equal(missing.status, 400);

  const leave = await gw.proxy("/__graylane/leave?service=shop.web", { host: "shop.web" });
  assert.equal(leave.status, 302);
  assert.match(String(leave.headers["set-cookie"]), /^graylane_tester=; Path=\/; Max-Age=0/);
});

test("a link or cookie signed for another cookie name is refused once the gray rule renames it", async () => {
  const svc = "renamed";
  const rule = (name: string) => ({ header: null, cookie: null, tester: { cookie: name } });
  await gw.put(svc, { nodes: [{ addr: A }, { addr: B, state: "gray" }], gray: rule("graylane_t_aaaa") });
  const exp = now() + 3600;
  const linkA = enter(svc, exp, sign(svc, exp, "graylane_t_aaaa"));
  const first = await gw.proxy(linkA, { host: svc });
  assert.equal(first.status, 302, first.text);
  const cookieA = String(first.headers["set-cookie"]).split(";")[0];
  assert.equal(cookieA, `graylane_t_aaaa=${cookie(svc, exp, "graylane_t_aaaa")}`);
  assert.deepEqual(await tally(gw, svc, 3, { headers: { cookie: cookieA } }), new Map([[nB, 3]]));

  // A new release or a new tester link: the rule names cookie B.
  await gw.put(svc, { nodes: [{ addr: A }, { addr: B, state: "gray" }], gray: rule("graylane_t_bbbb") });
  const old = await gw.proxy(linkA, { host: svc });
  assert.equal(old.status, 403, old.text);
  assert.equal(old.json.error.code, "invalid_tester_link");
  assert.equal(old.headers["set-cookie"], undefined);
  // The old value under the new name (copied by hand) gets stable traffic, and so does the old cookie.
  const moved = `graylane_t_bbbb=${cookie(svc, exp, "graylane_t_aaaa")}`;
  assert.deepEqual(await tally(gw, svc, 4, { headers: { cookie: moved } }), new Map([[nA, 4]]));
  assert.deepEqual(await tally(gw, svc, 3, { headers: { cookie: cookieA } }), new Map([[nA, 3]]));

  const fresh = await gw.proxy(enter(svc, exp, sign(svc, exp, "graylane_t_bbbb")), { host: svc });
  assert.equal(fresh.status, 302, fresh.text);
  const cookieB = String(fresh.headers["set-cookie"]).split(";")[0];
  assert.equal(cookieB, `graylane_t_bbbb=${cookie(svc, exp, "graylane_t_bbbb")}`);
  // repeated: once a worker has checked a value it answers from its cache, and must answer the same
  assert.deepEqual(await tally(gw, svc, 4, { headers: { cookie: cookieB } }), new Map([[nB, 4]]));
  assert.deepEqual(await tally(gw, svc, 4, { headers: { cookie: moved } }), new Map([[nA, 4]]));
  const leave = await gw.proxy(`/__graylane/leave?service=${svc}`, { host: svc });
  assert.equal(leave.status, 302);
  assert.match(String(leave.headers["set-cookie"]), /^graylane_t_bbbb=; Path=\/; Max-Age=0/);

  // The release ended: no tester rule, so no link of this service sets a cookie.
  await gw.put(svc, { nodes: [{ addr: A }, { addr: B }], gray: { header: null, cookie: null, tester: null } });
  for (const name of ["graylane_t_bbbb", DEFAULT]) {
    const ended = await gw.proxy(enter(svc, exp, sign(svc, exp, name)), { host: svc });
    assert.equal(ended.status, 403, name);
    assert.equal(ended.json.error.code, "invalid_tester_link");
  }
});

test("without a tester key no cookie is accepted", async () => {
  const plain = await gateway({ workers: 1 });
  try {
    await plain.put("shop.web", { nodes: [{ addr: A }, { addr: B, state: "gray" }], gray: { header: null, cookie: null, tester: {} } });
    const c = `graylane_tester=${cookie("shop.web", now() + 600)}`;
    assert.deepEqual(await tally(plain, "shop.web", 3, { headers: { cookie: c } }), new Map([[nA, 3]]));
    const exp = now() + 600;
    const link = await plain.proxy(enter("shop.web", exp, sign("shop.web", exp)), { host: "shop.web" });
    assert.equal(link.status, 403);
    assert.equal((await plain.admin("GET", "/v1/status")).json.tester_key, false);
  } finally {
    await plain.stop();
  }
});
