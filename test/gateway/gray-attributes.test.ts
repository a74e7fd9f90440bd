// Request-attribute gray rules (gray.match, gray.percent_key) on a real gateway:
// a header, cookie or query argument in a list (1,000 values: a hash set) or by
// prefix sends the request to gray, anything else to stable; percent keyed by a
// header or cookie puts every request carrying the same value on the same side
// (the side crc32(value) picks, like the client IP's today), and a request
// without the key's value falls back to the client IP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32 } from "node:zlib";
import { gateway, backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;
let A: string, G: string;
const USERS = Array.from({ length: 1000 }, (_, i) => `user-${i}`);

withGateway(2, { workers: 1 }, async (g, b) => {
  gw = g;
  be = b;
  [A, G] = be.addrs;
  const nodes = [{ addr: A }, { addr: G, state: "gray" }];
  await gw.put("lst", { nodes, gray: { match: [{ source: "header", name: "X-User-Id", values: USERS }] } });
  await gw.put("pre", { nodes, gray: { match: [{ source: "cookie", name: "team", prefix: "qa-" }, { source: "header", name: "User-Agent", prefix: "qa-bot/" }] } });
  await gw.put("qry", { nodes, gray: { match: [{ source: "query", name: "variant", values: ["beta", "new ui"] }, { source: "query", name: "uid", prefix: "9" }] } });
  await gw.put("pk", { nodes, gray: { percent: 50, percent_key: { source: "header", name: "X-User-Id" } } });
  await gw.put("pkc", { nodes, gray: { percent: 50, percent_key: { source: "cookie", name: "uid" } } });
  // an old-style rule next to a new one keeps its meaning
  await gw.put("mix", { nodes, gray: { header: { name: "X-Gray", value: "1" }, match: [{ source: "header", name: "X-Tier", values: ["gold"] }] } });
});

async function side(host: string, path = "/", headers: Record<string, string> = {}): Promise<"gray" | "stable"> {
  const r = await gw.proxy(path, { host, headers });
  assert.equal(r.status, 200, r.text);
  const addr = String(r.json.addr);
  assert.ok(addr === A || addr === G, addr);
  return addr === G ? "gray" : "stable";
}

test("a header in a list of 1,000 values: listed values go gray, others stable", async () => {
  for (const u of ["user-0", "user-1", "user-500", "user-999"]) assert.equal(await side("lst", "/", { "X-User-Id": u }), "gray", u);
  for (const u of ["user-1000", "user-", "User-1", "user-1 x", "x"]) assert.equal(await side("lst", "/", { "X-User-Id": u }), "stable", u);
  assert.equal(await side("lst"), "stable", "no header");
  assert.equal(await side("lst", "/", { "x-user-id": "user-7" }), "gray", "header names are case-insensitive");
  const got = await gw.admin("GET", "/v1/upstreams/lst");
  assert.equal(got.json.gray.match[0].values.length, 1000, "stored as sent");
  assert.equal(got.json.gray.percent_key, undefined, "no percent_key stored when none was sent");
});

test("prefix on a cookie and on a header nginx serves from its own variable (User-Agent)", async () => {
  assert.equal(await side("pre", "/", { cookie: "a=1; team=qa-berlin" }), "gray");
  assert.equal(await side("pre", "/", { cookie: "team=qa-" }), "gray", "the prefix alone");
  assert.equal(await side("pre", "/", { cookie: "team=dev-qa-1" }), "stable");
  assert.equal(await side("pre", "/", { cookie: "team=qa" }), "stable", "shorter than the prefix");
  assert.equal(await side("pre"), "stable");
  assert.equal(await side("pre", "/", { "user-agent": "qa-bot/2.1" }), "gray");
  assert.equal(await side("pre", "/", { "user-agent": "curl/8 qa-bot/2.1" }), "stable");
});

test("a query argument in a list and by prefix, percent-decoded; absent arguments never match", async () => {
  assert.equal(await side("qry", "/?variant=beta"), "gray");
  assert.equal(await side("qry", "/?a=1&VARIANT=beta"), "gray", "argument names are case-insensitive, like $arg_");
  assert.equal(await side("qry", "/?variant=new%20ui"), "gray", "percent-decoded");
  assert.equal(await side("qry", "/?variant=betas"), "stable");
  assert.equal(await side("qry", "/?uid=9123"), "gray");
  assert.equal(await side("qry", "/?uid=19"), "stable");
  assert.equal(await side("qry", "/?xvariant=beta"), "stable");
  assert.equal(await side("qry", "/"), "stable");
  assert.equal(await side("qry", "/", { "X-Variant": "beta" }), "stable", "a header of that name is no query argument");
});

test("percent keyed by a header: every value stays on the side crc32 picks; without the key: the client IP", async () => {
  const expected = (key: string) => (crc32(key) % 10000 < 5000 ? "gray" : "stable");
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const u = `u${i}`;
    for (let k = 0; k < 3; k++) assert.equal(await side("pk", "/", { "X-User-Id": u }), expected(u), `${u} try ${k}`);
    seen.add(expected(u));
  }
  assert.equal(seen.size, 2, "both sides reached");
  // 127.0.0.1: crc32 % 10000 = 3832 < 5000 → gray, the same as a percent rule without a key
  assert.equal(expected("127.0.0.1"), "gray");
  assert.equal(await side("pk"), "gray", "no header: client IP");
  assert.equal(await side("pk", "/", { "X-User-Id": "" }), "gray", "empty value: client IP");
  // a user whose key puts them on stable stays there although the IP would be gray
  const stableUser = USERS.find((u) => expected(u) === "stable")!;
  assert.equal(await side("pk", "/", { "X-User-Id": stableUser }), "stable");
  for (let i = 0; i < 20; i++) {
    const u = `c${i}`;
    assert.equal(await side("pkc", "/", { cookie: `x=1; uid=${u}` }), expected(u), `cookie ${u}`);
  }
});

test("old header rule and new list rule side by side", async () => {
  assert.equal(await side("mix", "/", { "X-Gray": "1" }), "gray");
  assert.equal(await side("mix", "/", { "X-Tier": "gold" }), "gray");
  assert.equal(await side("mix", "/", { "X-Tier": "silver" }), "stable");
  assert.equal(await side("mix"), "stable");
});

test("bad rules are refused naming the field, and change nothing", async () => {
  const before = await gw.admin("GET", "/v1/upstreams/lst");
  const bad: [unknown, string][] = [
    [{ match: [{ source: "path", name: "a", values: ["1"] }] }, "gray.match[0].source"],
    [{ match: [{ source: "header", name: "X Bad", values: ["1"] }] }, "gray.match[0].name"],
    [{ match: [{ source: "query", name: "a", values: ["1"], prefix: "x" }] }, "gray.match[0].values"],
    [{ match: [{ source: "query", name: "a" }] }, "gray.match[0].values"],
    [{ match: [{ source: "query", name: "a", values: [] }] }, "gray.match[0].values"],
    [{ match: [{ source: "query", name: "a", values: [...USERS, "one-more"] }] }, "gray.match[0].values"],
    [{ match: [{ source: "cookie", name: "a", values: ["ok", "no;semicolon"] }] }, "gray.match[0].values[1]"],
    [{ match: [{ source: "cookie", name: "a", prefix: "" }] }, "gray.match[0].prefix"],
    [{ match: [{ source: "cookie", name: "a", prefix: "x", extra: 1 }] }, "gray.match[0].extra"],
    [{ match: Array.from({ length: 17 }, () => ({ source: "query", name: "a", prefix: "x" })) }, "gray.match"],
    [{ percent_key: { source: "query", name: "a" } }, "gray.percent_key.source"],
    [{ percent_key: { source: "cookie", name: "" } }, "gray.percent_key.name"],
  ];
  for (const [gray, field] of bad) {
    const r = await gw.admin("PUT", "/v1/upstreams/lst", { nodes: [{ addr: A }, { addr: G, state: "gray" }], gray });
    assert.equal(r.status, 400, JSON.stringify(gray).slice(0, 80));
    assert.equal(r.json.error?.field ?? r.json.field, field, r.text);
  }
  const after = await gw.admin("GET", "/v1/upstreams/lst");
  assert.deepEqual(after.json, before.json);
});
