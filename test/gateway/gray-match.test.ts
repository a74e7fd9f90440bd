// The gray rule's header and cookie checks mean exactly what nginx's own
// $http_<name> and $cookie_<name> variables mean: the balancer reads the
// request's header lines itself (lua/graylane/gray.lua) instead of those
// variables, so every random request here is sent twice on raw sockets — once
// to a location that returns nginx's variables, once through the proxy — and
// the node that answered must be the one the variables decide. Header lines
// repeat, change case, use '_' for '-'; Cookie lines carry odd spacing, ','
// and ';' separators, names that are prefixes of others, a name without '='.
// FUZZ_SEED=<n> replays a run.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import fc from "fast-check";
import { backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import type { BackendsHandle } from "../../scripts/lib/backends";

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.GRAY_MATCH_RUNS ?? 300);

let gw: TestGateway;
let be: BackendsHandle;
let A: string, G: string;

withGateway(2, {
  workers: 1,
  // nginx's own reading of what the rules below look at
  extraProxyConfig: `
      location = /__nginx_vars {
          return 200 "[$http_x_gray_id]\\n[$cookie_gray]\\n[$http_x_forwarded_for]\\n[$cookie_g_ry]\\n";
      }`,
}, async (g, b) => {
  gw = g;
  be = b;
  [A, G] = be.addrs;
  // header name with '-', cookie name in mixed case (nginx compares cookie names case-insensitively)
  await gw.put("gm", { nodes: [{ addr: A }, { addr: G, state: "gray" }], gray: { header: { name: "X-Gray-Id", value: "on" }, cookie: { name: "Gray", value: "on" } } });
  // a header nginx serves from a variable of its own (joins repeated lines), and a cookie name with '_'
  await gw.put("gm2", { nodes: [{ addr: A }, { addr: G, state: "gray" }], gray: { header: { name: "X-Forwarded-For", value: "1.2.3.4, 5.6.7.8" }, cookie: { name: "g_ry", value: "1" } } });
});

/** One raw HTTP/1.1 request; returns status and body (Content-Length or chunked). */
function raw(url: string, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    sock.setTimeout(10_000, () => sock.destroy(new Error("timeout")));
    sock.on("data", (d) => chunks.push(d));
    sock.on("error", reject);
    sock.on("end", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const i = text.indexOf("\r\n\r\n");
      const headers = text.slice(0, i);
      let body = text.slice(i + 4);
      if (/^transfer-encoding:\s*chunked/im.test(headers)) {
        let out = "";
        for (;;) {
          const nl = body.indexOf("\r\n");
          const n = parseInt(body.slice(0, nl), 16);
          if (!n) break;
          out += body.slice(nl + 2, nl + 2 + n);
          body = body.slice(nl + 2 + n + 2);
        }
        body = out;
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(headers)?.[1]), body });
    });
    sock.write(head);
  });
}

const request = (path: string, host: string, lines: [string, string][]) =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join("")}Connection: close\r\n\r\n`;

const headerName = fc.constantFrom("X-Gray-Id", "x-gray-id", "X-GRAY-ID", "X-Gray-Idx", "X-Gray", "Cookie", "cookie", "COOKIE", "X-Forwarded-For", "x-forwarded-for", "X-Other");
const token = fc.constantFrom("gray", "Gray", "GRAY", "xgray", "grayx", "g_ry", "G_RY", "g", "on", "ON", "1", "1.2.3.4", "5.6.7.8", "=", " ", ";", ",", "; ", ", ", " = ");
const value = fc.oneof(
  fc.array(token, { maxLength: 8 }).map((t) => t.join("")),
  fc.constantFrom("on", "gray=on", "Gray = on", "xgray=on; gray=on", "gray;gray=on", "gray , gray=on", "a=b,gray=on", "gray=on;", "gray=off; gray=on", "g_ry=1", "1.2.3.4, 5.6.7.8", "1.2.3.4"),
);
const lines = fc.array(fc.tuple(headerName, value), { maxLength: 5 });

test("gray header and cookie rules decide exactly as nginx's $http_ and $cookie_ variables", async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(lines, async (ls) => {
      // nginx trims header values; a line with an empty name part is not a header line
      const ref = await raw(gw.proxyUrl, request("/__nginx_vars", "gm", ls));
      assert.equal(ref.status, 200, ref.body);
      const [h, c, xff, c2] = ref.body.trimEnd().split("\n").map((s) => s.slice(1, -1));
      for (const [host, gray] of [["gm", h === "on" || c === "on"], ["gm2", xff === "1.2.3.4, 5.6.7.8" || c2 === "1"]] as const) {
        const got = await raw(gw.proxyUrl, request("/", host, ls));
        assert.equal(got.status, 200, got.body);
        const addr = (JSON.parse(got.body) as { addr: string }).addr;
        assert.equal(addr, gray ? G : A, `${host}: ${JSON.stringify(ls)} -> nginx [${h}] [${c}] [${xff}] [${c2}], proxied to ${addr}`);
        checked++;
      }
    }),
    { numRuns: RUNS, seed: SEED },
  ).catch((e: unknown) => {
    throw new Error(`FUZZ_SEED=${SEED}: ${e instanceof Error ? e.message : String(e)}`);
  });
  assert.equal(checked, RUNS * 2);
});

test("both sides of each rule are reached: known requests go gray and stable as nginx reads them", async () => {
  const cases: [string, [string, string][], boolean][] = [
    ["gm", [["X-Gray-Id", "on"]], true],
    ["gm", [["x-GRAY-id", "on"]], true],
    ["gm", [["X-Gray-Id", "off"], ["X-Gray-Id", "on"]], false], // the first line counts
    ["gm", [["Cookie", "a=b"], ["Cookie", "GRAY = on"]], true],
    ["gm", [["Cookie", "gray;gray=on"]], false], // nginx skips the item after a name without '='
    ["gm", [["Cookie", "xgray=on"]], false],
    ["gm2", [["X-Forwarded-For", "1.2.3.4"], ["X-Forwarded-For", "5.6.7.8"]], true], // $http_x_forwarded_for joins lines
    ["gm2", [["Cookie", "G_RY=1"]], true],
  ];
  for (const [host, ls, gray] of cases) {
    const got = await raw(gw.proxyUrl, request("/", host, ls));
    assert.equal((JSON.parse(got.body) as { addr: string }).addr, gray ? G : A, `${host} ${JSON.stringify(ls)}`);
  }
});
