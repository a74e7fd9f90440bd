// The OpenAPI file describes every /api/v1 route and method that exists, and nothing else.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { it } from "node:test";

const ROOT = path.resolve(import.meta.dirname, "../..");
const API = path.join(ROOT, "app/api/v1");

function routes(dir: string): { path: string; methods: string[] }[] {
  const out: { path: string; methods: string[] }[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...routes(p));
    else if (name === "route.ts") {
      const src = readFileSync(p, "utf8");
      const methods = [...src.matchAll(/export (?:async )?function (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => m[1].toLowerCase());
      out.push({ path: "/" + path.relative(API, dir).replace(/\[(\w+)\]/g, "{$1}"), methods });
    }
  }
  return out;
}

/** path → methods, from the indentation of the YAML (paths at 2 spaces, methods at 4). */
function documented(yaml: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let inPaths = false;
  let current: string | null = null;
  for (const line of yaml.split("\n")) {
    if (/^\S/.test(line)) inPaths = line.startsWith("paths:");
    if (!inPaths) continue;
    const p = line.match(/^ {2}(\/\S*):\s*$/);
    if (p) {
      current = p[1];
      out.set(current, []);
      continue;
    }
    const m = line.match(/^ {4}(get|post|put|patch|delete):/);
    if (m && current) out.get(current)!.push(m[1]);
  }
  return out;
}

it("openapi/graylane.yaml matches the route handlers under app/api/v1", () => {
  const doc = documented(readFileSync(path.join(ROOT, "openapi/graylane.yaml"), "utf8"));
  const actual = routes(API);
  assert.ok(actual.length >= 13);
  for (const p of ["/services", "/services/{name}", "/services/{name}/nodes", "/services/{name}/nodes/{addr}", "/gateways"]) {
    assert.ok(actual.some((r) => r.path === p), `route ${p}`);
  }
  for (const r of actual) {
    assert.deepEqual([...(doc.get(r.path) ?? [])].sort(), [...r.methods].sort(), `methods of ${r.path}`);
  }
  assert.deepEqual([...doc.keys()].sort(), actual.map((r) => r.path).sort());
});
