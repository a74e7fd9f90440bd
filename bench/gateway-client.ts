// `npx tsx bench/gateway-client.ts [--calls 2000] [--rounds 3]`: the portal's gateway calls with a
// TCP connection per call (the old `agent: false`) against the pooled keep-alive agent of
// lib/gateways/client.ts, alternating in the same run against one real gateway (so the
// machine's load hits both alike). Each round: `calls` sequential GET /v1/upstreams/shop.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GATEWAY_AGENTS } from "../lib/gateways/client";
import { httpRequest } from "../lib/http-request";
import { startGateway } from "../scripts/lib/gateway";

const args = process.argv.slice(2);
const flag = (n: string, d: number) => (args.includes(`--${n}`) ? Number(args[args.indexOf(`--${n}`) + 1]) : d);
const CALLS = flag("calls", 2000);
const ROUNDS = flag("rounds", 3);

const token = randomBytes(16).toString("hex");
const stateDir = mkdtempSync(path.join(os.tmpdir(), "graylane-bench-client-"));
const gw = await startGateway({ token, workers: 1, stateDir });
try {
  const headers = { authorization: `Bearer ${token}` };
  const put = await httpRequest(`${gw.adminUrl}/v1/upstreams/shop`, { method: "PUT", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify({ nodes: [{ addr: "127.0.0.1:9" }] }), timeoutMs: 5000 });
  if (put.status !== 200 && put.status !== 201) throw new Error(`PUT: ${put.status} ${put.text}`);
  const run = async (agent: typeof GATEWAY_AGENTS["http:"] | undefined) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) {
      const r = await httpRequest(`${gw.adminUrl}/v1/upstreams/shop`, { headers, timeoutMs: 5000, agent });
      if (r.status !== 200) throw new Error(`GET: ${r.status}`);
    }
    return Number(process.hrtime.bigint() - t0) / 1e6 / CALLS;
  };
  const results: Record<string, number[]> = { "connection per call": [], "keep-alive pool": [] };
  for (let round = 0; round < ROUNDS; round++) {
    results["connection per call"].push(await run(undefined));
    results["keep-alive pool"].push(await run(GATEWAY_AGENTS["http:"]));
  }
  for (const [name, ms] of Object.entries(results)) {
    const sorted = [...ms].sort((a, b) => a - b);
    console.log(`${name.padEnd(20)} ms/call per round: ${ms.map((m) => m.toFixed(3)).join(", ")}  (median ${sorted[Math.floor(sorted.length / 2)].toFixed(3)})`);
  }
} finally {
  GATEWAY_AGENTS["http:"].destroy();
  await gw.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
