// The balancer reads nginx variables ($host, $graylane_service,
// $binary_remote_addr) through nginx's exported ngx_http_get_variable with the
// name's hash computed once (lua/graylane/balancer/calls.lua), not through
// lua-nginx-module's ngx_http_lua_ffi_var_get. Both ways, and ngx.var, must
// read the same value, also where realip (set_real_ip_from / real_ip_header)
// replaces the client address; and a CIDR gray rule must follow the realip
// address through the proxy, as it did when it read ngx.var. And the gray
// rule's header and cookie checks give the same answer with few header lines
// (scanned in Lua) and with more than gray.lua scans (read as variables).
import { test } from "node:test";
import assert from "node:assert/strict";
import { backends, type TestGateway } from "../support/gateway";
import { withGateway } from "../support/fixtures";
import type { BackendsHandle } from "../../scripts/lib/backends";

let gw: TestGateway;
let be: BackendsHandle;
let A: string, G: string;

const NAMES = ["binary_remote_addr", "remote_addr", "host", "graylane_service", "http_x_forwarded_for", "cookie_gray", "arg_a", "no_such_variable"];

withGateway(2, {
  workers: 1,
  extraProxyConfig: `
      location = /__vars {
          set_real_ip_from 127.0.0.0/8;
          real_ip_header X-Forwarded-For;
          content_by_lua_block {
              local calls = require "graylane.balancer.calls"
              local r = require("resty.core.base").get_request()
              local out = { direct = calls.direct_variables, vars = {} }
              for _, name in ipairs(${JSON.stringify(NAMES).replace(/^\[/, "{").replace(/\]$/, "}")}) do
                  local direct = calls.variable(name)
                  local module = calls.variable(name, true)
                  out.vars[name] = {
                      direct = direct.direct,
                      module = module.direct,
                      values = { calls.var(r, direct) or "(nil)", calls.var(r, module) or "(nil)",
                                 ngx.var[name] or "(nil)" },
                  }
              end
              for _, v in pairs(out.vars) do
                  for i = 1, 3 do
                      v.values[i] = ngx.encode_base64(v.values[i])
                  end
              end
              ngx.say(require("cjson").encode(out))
          }
      }
      location /realip/ {
          set_real_ip_from 127.0.0.0/8;
          real_ip_header X-Forwarded-For;
          include graylane-proxy.conf;
      }`,
}, async (g, b) => {
  gw = g;
  be = b;
  [A, G] = be.addrs;
  await gw.put("hl", { nodes: [{ addr: A }, { addr: G, state: "gray" }], gray: { header: { name: "X-Gray-Id", value: "on" }, cookie: { name: "Gray", value: "on" } } });
  await gw.put("vr", { nodes: [{ addr: A }, { addr: G, state: "gray" }], gray: { cidrs: ["10.0.0.0/8", "2001:db8::/32"] } });
});

type Vars = { direct: boolean; vars: Record<string, { direct: boolean; module: boolean; values: string[] }> };

test("direct variable reads equal lua-nginx-module's and ngx.var, with and without realip", async () => {
  const cases: { host: string; headers: Record<string, string>; path: string }[] = [
    { host: "Vr.Example", headers: {}, path: "/__vars" },
    { host: "vr", headers: { "X-Forwarded-For": "10.1.2.3", Cookie: "a=1; gray=yes" }, path: "/__vars?a=x%20y" },
    { host: "vr", headers: { "X-Forwarded-For": "2001:db8::7" }, path: "/__vars" },
    { host: "vr", headers: { "X-Forwarded-For": "not-an-address" }, path: "/__vars" },
  ];
  for (const c of cases) {
    const r = await gw.proxy(c.path, { host: c.host, headers: c.headers });
    assert.equal(r.status, 200, r.text);
    const v = r.json as Vars;
    assert.equal(v.direct, true, "this nginx exports ngx_http_get_variable: the direct path is in use");
    for (const name of NAMES) {
      const { direct, module, values } = v.vars[name];
      assert.equal(direct, true, name);
      assert.equal(module, false, name);
      assert.equal(values[0], values[2], `${name} (direct) vs ngx.var, ${JSON.stringify(c)}`);
      assert.equal(values[1], values[2], `${name} (lua-nginx-module) vs ngx.var, ${JSON.stringify(c)}`);
    }
    if (c.headers["X-Forwarded-For"] === "10.1.2.3") {
      // realip took effect: the address is the header's, 4 bytes
      assert.equal(Buffer.from(v.vars.binary_remote_addr.values[0], "base64").toString("hex"), "0a010203");
    }
  }
});

test("a CIDR gray rule reads the realip address through the proxy", async () => {
  const node = async (xff?: string) => {
    const r = await gw.proxy("/realip/x", { host: "vr", headers: xff ? { "X-Forwarded-For": xff } : {} });
    assert.equal(r.status, 200, r.text);
    return r.json.addr;
  };
  assert.equal(await node("10.9.8.7"), G);
  assert.equal(await node("2001:db8::1"), G);
  assert.equal(await node("192.168.1.1"), A);
  assert.equal(await node(), A);
  // without realip the connection's own address (127.0.0.1) decides
  const r = await gw.proxy("/x", { host: "vr", headers: { "X-Forwarded-For": "10.9.8.7" } });
  assert.equal(r.json.addr, A);
});

test("header and cookie rules with few and with many header lines (more than gray.lua scans)", async () => {
  const node = async (lines: Record<string, string>) => {
    const r = await gw.proxy("/x", { host: "hl", headers: lines });
    assert.equal(r.status, 200, r.text);
    return r.json.addr;
  };
  for (const filler of [0, 5, 23, 30, 60]) {
    const extra: Record<string, string> = {};
    for (let i = 0; i < filler; i++) extra[`X-Filler-${i}`] = String(i);
    const tag = `${filler} extra lines`;
    assert.equal(await node({ ...extra }), A, tag);
    assert.equal(await node({ ...extra, "X-Gray-Id": "on" }), G, tag);
    assert.equal(await node({ ...extra, "X-Gray-Id": "off" }), A, tag);
    assert.equal(await node({ ...extra, Cookie: "a=1; GRAY=on" }), G, tag);
    assert.equal(await node({ ...extra, Cookie: "a=1; gray=off" }), A, tag);
    assert.equal(await node({ ...extra, "X-Other": "on", Cookie: "grayx=on" }), A, tag);
  }
});
