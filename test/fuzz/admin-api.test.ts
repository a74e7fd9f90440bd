// The gateway admin API under 10,000 random requests built to be refused — no token or a
// wrong one, malformed or ill-typed JSON, huge headers and bodies, odd encodings, path
// tricks, random methods, raw malformed HTTP — against a real gateway. None may get a 5xx,
// none may change the state (GET /v1/upstreams and every service's version before/after),
// and the gateway must still serve afterwards. FUZZ_SEED=<n> replays a run, FUZZ_RUNS=<n>
// changes its size.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, it } from "node:test";
import fc from "fast-check";
import { startGateway, type GatewayHandle } from "../../scripts/lib/gateway";

const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 16;
const TOKEN = randomBytes(16).toString("hex");
const SERVICES = ["shop", "api"];

let gw: GatewayHandle;
let stateDir: string;
let port: number;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

type Req =
  | { kind: "http"; method: string; path: string; headers: Record<string, string>; body: Buffer | null; why: string }
  | { kind: "raw"; bytes: Buffer; why: string };

type Res = { status: number | null; error: string | null };

async function send(r: Req): Promise<Res> {
  if (r.kind === "raw") return sendRaw(r.bytes);
  const res = await sendHttp(r, agent);
  // A kept-alive connection nginx closed (after an error answer) as we reused it: once more on a
  // fresh one, so "no answer" means the gateway really gave none.
  if (res.status === null) return sendHttp(r, false);
  return res;
}

function sendHttp(r: Extract<Req, { kind: "http" }>, via: http.Agent | false): Promise<Res> {
  return new Promise((resolve) => {
    let status: number | null = null;
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body && !Object.keys(headers).some((h) => h.toLowerCase() === "transfer-encoding")) headers["content-length"] = r.body.length;
    let req: http.ClientRequest;
    try {
      req = http.request({ host: "127.0.0.1", port, method: r.method, path: r.path, headers, agent: via }, (res) => {
        status = res.statusCode ?? null;
        res.resume();
        res.on("end", () => resolve({ status, error: null }));
        res.on("error", (e) => resolve({ status, error: e.message }));
      });
    } catch (e) {
      // Node itself refused to send it (e.g. a character it does not allow): not a gateway matter.
      resolve({ status: -1, error: (e as Error).message });
      return;
    }
    // CONNECT and Upgrade answers come as events, not as a response.
    const tunnel = (res: http.IncomingMessage, socket: net.Socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? null, error: null });
    };
    req.on("connect", tunnel);
    req.on("upgrade", tunnel);
    const timer = setTimeout(() => req.destroy(new Error("timeout")), 10_000);
    req.on("close", () => clearTimeout(timer));
    req.on("error", (e) => resolve({ status, error: e.message }));
    req.end(r.body ?? undefined);
  });
}

function sendRaw(bytes: Buffer): Promise<Res> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const done = (error: string | null) => {
      const text = Buffer.concat(chunks).toString("latin1");
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, error });
      sock.destroy();
    };
    sock.setTimeout(5000, () => done("timeout"));
    sock.on("data", (c) => {
      chunks.push(c);
      if (/\r\n\r\n/.test(Buffer.concat(chunks).toString("latin1"))) done(null);
    });
    sock.on("end", () => done(null));
    sock.on("error", (e) => done(e.message));
    sock.end(bytes);
  });
}

// ---------------------------------------------------------------- generators

const auth = fc.constantFrom(`Bearer ${TOKEN}`);
const badAuth = fc.oneof(
  fc.constant(null),
  fc.constant(`Bearer ${TOKEN}x`),
  fc.constant(`Bearer ${TOKEN.slice(0, -1)}`),
  fc.constant(`bearer  ${TOKEN} `.slice(0, 6)),
  fc.constant(`Basic ${Buffer.from(`admin:${TOKEN}`).toString("base64")}`),
  fc.string({ maxLength: 80 }).map((s) => `Bearer ${s.replace(/[\r\n]/g, "")}`),
);

const anyMethod = fc.oneof(
  fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "MKCOL", "LOCK", "CONNECT"),
  fc.stringMatching(/^[A-Z]{1,12}$/),
);
const mutating = fc.constantFrom("POST", "PUT", "PATCH", "DELETE");

const segment = fc.oneof(
  fc.constantFrom(...SERVICES, "nope", ".", "..", "%2e%2e", "%2E", "%2f", "%00", "%ff", "%", "%zz", "~", "*", "shop%2Fnodes", "sh%6fp", "SHOP", "a".repeat(65), "x".repeat(5000)),
  fc.string({ unit: "binary", maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{0,20}$/),
);
const addrSeg = fc.oneof(
  fc.constantFrom("127.0.0.1:18081", "127.0.0.1%3A18081", "[::1]:80", "%5B%3A%3A1%5D%3A80", "127.0.0.1:0", "127.0.0.1:99999", "..%2f..", "%00"),
  segment,
);
const query = fc.oneof(
  fc.constant(""),
  fc.constantFrom("?force=1", "?force=true&force=0", "?a=%", "?" + "q=1&".repeat(200), "?upstream=shop&upstream=api", "?%00=%00"),
  fc.string({ maxLength: 40 }).map((s) => "?" + encodeURIComponent(s)),
);
const knownPath = fc.oneof(
  fc.constantFrom("/v1/upstreams", "/v1/upstreams/", "/v1/stats", "/v1/status", "/metrics", "/", "//v1/upstreams", "/v1//upstreams/shop", "/v1/upstreams/shop/../api", "/v1/upstreams/./shop", "/V1/UPSTREAMS", "/v1/upstreams/shop/nodes/", "/v1/upstreams/shop/nodes//", "/v1/upstreams/shop/other", "/%76%31/upstreams"),
  segment.map((s) => `/v1/upstreams/${s}`),
  fc.tuple(segment, addrSeg).map(([s, a]) => `/v1/upstreams/${s}/nodes/${a}`),
  segment.map((s) => `/v1/upstreams/${s}/nodes`),
  fc.array(segment, { maxLength: 6 }).map((a) => "/" + a.join("/")),
  fc.constant("/" + "a/".repeat(3000)),
);
const anyPath = fc.tuple(knownPath, query).map(([p, q]) => p + q);

// JSON that is malformed, of the wrong type, or well-formed but invalid for the gateway.
const badNode = fc.oneof(
  fc.record({ addr: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constantFrom("127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "a b:80", "-x-:80", "1.2.3.256:80", "127.0.0.1:80\u0000")) }, { requiredKeys: [] }),
  fc.record({ addr: fc.constant("127.0.0.1:18089"), weight: fc.oneof(fc.integer({ min: 101 }), fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null)) }),
  fc.record({ addr: fc.constant("127.0.0.1:18089"), state: fc.string().filter((s) => !["active", "gray", "draining", "down"].includes(s)) }),
  fc.record({ addr: fc.constant("127.0.0.1:18089"), backup: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
);
const badService = fc.oneof(
  fc.record({ algorithm: fc.string().filter((s) => !["round_robin", "ip_hash", "least_conn"].includes(s)), nodes: fc.constant([]) }),
  fc.record({ algorithm: fc.constant("round_robin"), nodes: fc.oneof(fc.string(), fc.integer(), fc.dictionary(fc.string(), fc.string()), fc.array(badNode, { minLength: 1, maxLength: 5 })) }),
  fc.record({ name: fc.string(), nodes: fc.array(badNode, { minLength: 1, maxLength: 3 }) }),
  fc.record({
    nodes: fc.constant([{ addr: "127.0.0.1:18089" }]),
    gray: fc.oneof(
      fc.record({ percent: fc.oneof(fc.double({ min: 100.0001, noNaN: true }), fc.double({ max: -0.0001, noNaN: true }), fc.string()) }),
      fc.record({ cidrs: fc.array(fc.oneof(fc.string(), fc.constantFrom("10.0.0.0/33", "::/129", "1.2.3/8", "")), { minLength: 1, maxLength: 4 }).filter((a) => a.some((c) => !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c))) }),
      fc.record({ header: fc.record({ name: fc.constantFrom("", "bad header", "x\r\ny", "a".repeat(65)), value: fc.string() }) }),
      fc.record({ cookie: fc.record({ name: fc.constant("ok"), value: fc.constantFrom("", "a;b", "x\u0001", "v".repeat(257)) }) }),
      // Not [] : lua-cjson decodes an empty array and an empty object alike, and {} is a valid rule.
      fc.oneof(fc.string(), fc.integer(), fc.array(fc.anything(), { minLength: 1 })),
    ),
  }),
);
const wellTypedJunk = fc.oneof(fc.json({ maxDepth: 4 }), fc.anything({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null"));
const malformedJson = fc.oneof(
  fc.constantFrom("{", "}", "[", "{\"a\":}", "{'a':1}", "{\"a\":1,}", "NaN", "Infinity", "{\"a\":1e999999}", "\u00ef\u00bb\u00bf{}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\u00\"}", "nul", "\"\\", "{\"nodes\":[{\"addr\":\"127.0.0.1:1\"}]"),
  fc.constant("[".repeat(5000) + "]".repeat(5000)),
  fc.constant("{\"a\":".repeat(2000) + "1" + "}".repeat(2000)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
  fc.string({ unit: "binary", maxLength: 200 }),
  wellTypedJunk.map((s) => s.slice(0, Math.max(0, s.length - 1))),
);
const bodyText = fc.oneof(
  { weight: 3, arbitrary: malformedJson },
  { weight: 3, arbitrary: badService.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: badNode.map((o) => JSON.stringify(o)) },
  { weight: 2, arbitrary: wellTypedJunk },
);
const body = fc.oneof(
  { weight: 20, arbitrary: bodyText.map((s) => Buffer.from(s, "utf8")) },
  { weight: 2, arbitrary: bodyText.map((s) => Buffer.from(s, "latin1")) },
  { weight: 2, arbitrary: bodyText.map((s) => Buffer.from(s, "utf16le")) },
  { weight: 1, arbitrary: fc.constantFrom(1_048_577, 3_000_000).map((n) => Buffer.alloc(n, "{")) },
  { weight: 3, arbitrary: fc.constant(null) },
);

const oddHeaders = fc.dictionary(
  fc.oneof(
    fc.constantFrom("content-type", "content-encoding", "transfer-encoding", "if-match", "accept", "x-forwarded-for", "expect", "range", "cookie", "x-gray"),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  ),
  fc.oneof(
    fc.constantFrom("application/json; charset=utf-16", "text/plain", "multipart/form-data; boundary=x", "gzip", "br", "identity, gzip", "chunked", "\"1\"", "abc", "-1", "99999999999999999999", "W/\"1\"", "100-continue", "bytes=0-1"),
    fc.string({ unit: "grapheme-ascii", maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, "")),
  ),
  { maxKeys: 4 },
);
const hugeHeaders = fc.oneof(
  fc.constant({}),
  fc.constant({}),
  fc.constant({}),
  fc.constantFrom(9_000, 40_000, 200_000).map((n) => ({ "x-big": "a".repeat(n) })),
  fc.constant(Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, "v".repeat(100)]))),
);

function http1(method: string, p: string, headers: Record<string, string | null>, b: Buffer | null, why: string): Req {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== null) h[k] = v;
  return { kind: "http", method, path: p, headers: h, body: b, why };
}

const unauthenticated = fc
  .tuple(anyMethod, anyPath, badAuth, oddHeaders, body)
  .map(([m, p, a, h, b]) => http1(m, p, { ...h, authorization: a }, b, "no or wrong token"));

// Mutations that must be refused: bad body, bad path, or a version that moved.
const badMutation = fc.oneof(
  // a version no service has: also refuses creating a service at a random path (If-Match 0 would allow that)
  fc.tuple(mutating, anyPath, auth, oddHeaders, body).map(([m, p, a, h, b]) => http1(m, p, { ...h, "if-match": h["if-match"] ?? "999999", authorization: a }, b, "mutation with a stale If-Match")),
  fc.tuple(fc.constantFrom("PUT", "POST"), fc.constantFrom(...SERVICES), auth, oddHeaders, bodyText.filter((s) => {
    // Only bodies the gateway must refuse: malformed JSON or well-formed but invalid (never a bare {}).
    try {
      const v = JSON.parse(s);
      return typeof v !== "object" || v === null || Array.isArray(v) || Object.keys(v).length > 0;
    } catch {
      return true;
    }
  })).map(([m, s, a, h, b]) => {
    const { "if-match": _drop, ...rest } = h;
    void _drop;
    return http1(m, m === "PUT" ? `/v1/upstreams/${s}` : `/v1/upstreams/${s}/nodes`, { ...rest, "content-type": "application/json", authorization: a }, Buffer.from(b), `${m} invalid body`);
  }),
  fc.tuple(fc.constantFrom("PATCH", "DELETE"), fc.constantFrom(...SERVICES), fc.constantFrom("127.0.0.1:1", "[::2]:80", "127.0.0.1:18081%00", "127.0.0.1", "nope:0"), auth, body).map(([m, s, addr, a, b]) =>
    http1(m, `/v1/upstreams/${s}/nodes/${encodeURIComponent(addr)}`, { authorization: a }, b, `${m} unknown or bad node`),
  ),
  fc.tuple(fc.constantFrom("/upstream_add", "/upstream_remove"), fc.oneof(fc.constant(null), fc.constantFrom(...SERVICES, "..", "a b", "")), fc.oneof(fc.constant(null), fc.constantFrom("", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "[::1", "a b:1", "%00:1", "127.0.0.1:80:80"), fc.string({ maxLength: 30 }).filter((s) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(s))), auth).map(([p, u, s, a]) => {
    const q = new URLSearchParams();
    if (u !== null) q.set("upstream", u);
    if (s !== null) q.set("server", s);
    return http1("GET", `${p}?${q.toString()}`, { authorization: a }, null, "brief API with a bad server");
  }),
  fc.tuple(anyMethod.filter((m) => !["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].includes(m)), anyPath, auth, body).map(([m, p, a, b]) => http1(m, p, { authorization: a }, b, "odd method")),
);

const reads = fc.tuple(fc.constantFrom("GET", "HEAD"), anyPath.filter((p) => !p.startsWith("/upstream_")), auth, oddHeaders, hugeHeaders).map(([m, p, a, h, big]) =>
  http1(m, p, { ...h, ...big, authorization: a }, null, "read"),
);

const CRLF = "\r\n";
const raw = fc.oneof(
  fc.constantFrom(
    `GET /v1/upstreams HTTP/1.1${CRLF}${CRLF}`,
    `GET /v1/upstreams HTTP/9.9${CRLF}Host: x${CRLF}${CRLF}`,
    `GET  /v1/upstreams  HTTP/1.1${CRLF}Host: x${CRLF}${CRLF}`,
    `GET /v1/upstreams${CRLF}${CRLF}`,
    `\x00\x01\x02${CRLF}${CRLF}`,
    `PUT /v1/upstreams/shop HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}Content-Length: 10${CRLF}Content-Length: 2${CRLF}${CRLF}{}`,
    `PUT /v1/upstreams/shop HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}{}${CRLF}0${CRLF}${CRLF}`,
    `PUT /v1/upstreams/shop HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}Transfer-Encoding: chunked${CRLF}Content-Length: 3${CRLF}${CRLF}1${CRLF}{${CRLF}0${CRLF}${CRLF}`,
    `PUT /v1/upstreams/shop HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}Content-Length: -1${CRLF}${CRLF}`,
    `PUT /v1/upstreams/shop HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}Content-Length: 99999999999999999999${CRLF}${CRLF}`,
    `GET /v1/upstreams HTTP/1.1${CRLF}Host: x${CRLF}Authorization${CRLF}${CRLF}`,
    `GET /v1/upstreams HTTP/1.1${CRLF}Host: x${CRLF} folded: header${CRLF}${CRLF}`,
    `GET /v1/upstreams/sh\x00op HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}${CRLF}`,
    `GET /v1/upstreams/%C0%AE%C0%AE HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}${CRLF}`,
    `GET http://evil/v1/upstreams HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}${CRLF}`,
    `GET /v1/upstreams HTTP/1.1${CRLF}Host: x${CRLF}Host: y${CRLF}Authorization: Bearer ${TOKEN}${CRLF}Authorization: Bearer nope${CRLF}${CRLF}`,
  ),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b).toString("latin1") + CRLF + CRLF),
  fc.tuple(fc.string({ unit: "binary-ascii", maxLength: 60 }), fc.string({ unit: "binary-ascii", maxLength: 60 })).map(
    ([l, h]) => `${l} HTTP/1.1${CRLF}Host: x${CRLF}Authorization: Bearer ${TOKEN}${CRLF}${h}${CRLF}${CRLF}`,
  ),
).map((s): Req => ({ kind: "raw", bytes: Buffer.from(s, "latin1"), why: "raw malformed HTTP" }));

// Valid writes the gateway must still refuse: to a service the portal manages
// (no X-Graylane-Manager: portal, no force), and the brief's writes sent as HEAD.
const MANAGED = "portal-svc";
const MANAGED_ONLY = "127.0.0.1:18084"; // a node only the managed service has
const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const refusedWrite = fc.oneof(
  fc.tuple(auth, fc.constantFrom(null, "someone", "Portal", "portal2", "")).chain(([a, manager]) => {
    const h = { authorization: a, "content-type": "application/json", "x-graylane-manager": manager };
    return fc.constantFrom(
      http1("PUT", `/v1/upstreams/${MANAGED}`, h, json({ nodes: [{ addr: "127.0.0.1:18081" }] }), "managed: PUT"),
      http1("PUT", `/v1/upstreams/${MANAGED}?force=0`, h, json({ nodes: [{ addr: "127.0.0.1:18081" }], force: false }), "managed: PUT force false"),
      http1("DELETE", `/v1/upstreams/${MANAGED}`, h, null, "managed: DELETE"),
      http1("POST", `/v1/upstreams/${MANAGED}/nodes`, h, json({ addr: "127.0.0.1:18090" }), "managed: POST node"),
      http1("PATCH", `/v1/upstreams/${MANAGED}/nodes/${MANAGED_ONLY}`, h, json({ weight: 3 }), "managed: PATCH node"),
      http1("DELETE", `/v1/upstreams/${MANAGED}/nodes/${MANAGED_ONLY}`, h, null, "managed: DELETE node"),
      http1("GET", `/upstream_add?upstream=${MANAGED}&server=127.0.0.1:18091`, h, null, "managed: upstream_add"),
      http1("GET", `/upstream_remove?upstream=${MANAGED}&server=${MANAGED_ONLY}`, h, null, "managed: upstream_remove"),
      http1("GET", `/upstream_remove?server=${MANAGED_ONLY}`, h, null, "managed: upstream_remove everywhere"),
    );
  }),
  fc.tuple(fc.constantFrom("/upstream_add?upstream=shop&server=127.0.0.1:18092", "/upstream_add?upstream=fresh&server=127.0.0.1:18092", "/upstream_remove?upstream=shop&server=127.0.0.1:18081&force=1", "/upstream_remove?server=127.0.0.1:18082&force=1"), auth).map(([p, a]) =>
    http1("HEAD", p, { authorization: a }, null, "HEAD on a brief write"),
  ),
);

const request: fc.Arbitrary<Req> = fc.oneof(
  { weight: 25, arbitrary: unauthenticated },
  { weight: 40, arbitrary: badMutation },
  { weight: 5, arbitrary: refusedWrite },
  { weight: 20, arbitrary: reads },
  { weight: 10, arbitrary: raw },
);

// ---------------------------------------------------------------- the test

async function adminJson(p: string): Promise<unknown> {
  const r = await new Promise<string>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: p, headers: { authorization: `Bearer ${TOKEN}` }, agent: false }, (res) => {
      const c: Buffer[] = [];
      res.on("data", (d: Buffer) => c.push(d));
      res.on("end", () => (res.statusCode === 200 ? resolve(Buffer.concat(c).toString()) : reject(new Error(`${p}: ${res.statusCode}`))));
    }).on("error", reject);
  });
  return JSON.parse(r);
}

async function put(name: string, state: unknown, extra: Record<string, string> = {}): Promise<void> {
  const b = JSON.stringify(state);
  await new Promise<void>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: `/v1/upstreams/${name}`, headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", "content-length": Buffer.byteLength(b), ...extra }, agent: false }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 || res.statusCode === 201 ? resolve() : reject(new Error(`PUT ${name}: ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(b);
  });
}

/**
 * nginx's own parser, before any Lua runs, answers 501 to a Transfer-Encoding it does not
 * implement (RFC 9112 §6.1: "SHOULD respond with 501") and 505 to an HTTP version it does not
 * support (RFC 9110 §15.6.6): the only 5xx allowed, and only for those requests.
 */
function nginxProtocolAnswer(r: Req, status: number): boolean {
  // 505 to an HTTP version it does not speak (raw requests only; node speaks 1.1).
  if (status === 505) return r.kind === "raw" && !/^[^\r\n]* HTTP\/1\.[01]\r\n/.test(r.bytes.toString("latin1"));
  if (status !== 501 || r.kind !== "http") return false;
  const te = Object.entries(r.headers).find(([k]) => k.toLowerCase() === "transfer-encoding")?.[1];
  return te !== undefined && te.trim().toLowerCase() !== "chunked";
}

function describeReq(r: Req): string {
  if (r.kind === "raw") return `raw ${JSON.stringify(r.bytes.subarray(0, 400).toString("latin1"))}`;
  const b = r.body ? `${r.body.length} bytes ${JSON.stringify(r.body.subarray(0, 300).toString("latin1"))}` : "no body";
  const headers = Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.length > 100 ? `${v.slice(0, 40)}…(${v.length} chars)` : v]));
  return `${r.method} ${r.path.length > 300 ? r.path.slice(0, 300) + "…" : r.path} headers=${JSON.stringify(headers)} body=${b} (${r.why})`;
}

before(async () => {
  stateDir = mkdtempSync(path.join(tmpdir(), "graylane-fuzz-"));
  gw = await startGateway({ token: TOKEN, stateDir, workers: 2 });
  port = Number(new URL(gw.adminUrl).port);
  await put("shop", { name: "shop", revision: 7, algorithm: "round_robin", nodes: [{ addr: "127.0.0.1:18081", weight: 1, state: "active", backup: false }, { addr: "127.0.0.1:18082", weight: 2, state: "gray", backup: false }], gray: { header: { name: "X-Gray", value: "1" }, cookie: null, cidrs: ["10.0.0.0/8"], percent: 5 } });
  await put("api", { name: "api", revision: 3, algorithm: "least_conn", nodes: [{ addr: "[::1]:18083", weight: 1, state: "active", backup: false }], gray: { header: null, cookie: null, cidrs: [], percent: 0 } });
  await put(MANAGED, { nodes: [{ addr: "127.0.0.1:18081" }, { addr: MANAGED_ONLY }], revision: 11, managed_by: "portal" }, { "x-graylane-manager": "portal" });
});

after(async () => {
  agent.destroy();
  await gw?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

it(`survives ${RUNS} random requests with no 5xx and no state change (seed ${SEED})`, { timeout: 180_000 }, async () => {
  const before = await adminJson("/v1/upstreams");
  const requests = fc.sample(request, { numRuns: RUNS, seed: SEED });
  const started = Date.now();
  const problems: string[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  let noAnswer = 0;
  async function worker() {
    while (next < requests.length) {
      const r = requests[next++];
      const res = await send(r);
      const key = res.status === null ? "none" : String(res.status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (res.status !== null && res.status >= 500 && !nginxProtocolAnswer(r, res.status)) problems.push(`${res.status} for ${describeReq(r)}`);
      const isMutation = r.kind === "http" && (["POST", "PUT", "PATCH", "DELETE"].includes(r.method) || (r.path.startsWith("/upstream_") && !r.path.startsWith("/upstream_list")));
      if (isMutation && res.status !== null && res.status >= 200 && res.status < 300 && r.kind === "http" && (r.headers.authorization ?? "") === `Bearer ${TOKEN}`) {
        problems.push(`accepted (${res.status}) a request meant to be refused: ${describeReq(r)}`);
      }
      // A well-formed request over HTTP must get an answer; raw garbage may be dropped.
      if (res.status === null && r.kind === "http") {
        noAnswer++;
        if (!(r.body && r.body.length > 1_000_000)) problems.push(`no answer (${res.error}) for ${describeReq(r)}`);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz: ${RUNS} requests in ${seconds.toFixed(1)} s (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; huge bodies cut off: ${noAnswer}`);

  const afterState = await adminJson("/v1/upstreams");
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s); replay with FUZZ_SEED=${SEED}`);
  assert.deepEqual(afterState, before, "the state (services, nodes, versions) did not change");
  const status = (await adminJson("/v1/status")) as { workers?: number };
  assert.ok(status.workers && status.workers >= 1, "the gateway still answers");
  const errorLog = readFileSync(gw.errorLog, "utf8");
  assert.doesNotMatch(errorLog, /exited on signal|\[alert\]|\[emerg\]/, "no worker crashed");
});
