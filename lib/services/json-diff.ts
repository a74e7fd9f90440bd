// A flat JSON diff for the audit detail page. Pure.

export type JsonDiffLine = { path: string; kind: "added" | "removed" | "changed" | "same"; before?: unknown; after?: unknown };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A flat diff of two JSON values by path (arrays of nodes are keyed by `addr` so a
 * removed node shows as removed, not as every later node "changed").
 */
export function jsonDiff(before: unknown, after: unknown, path = ""): JsonDiffLine[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((k) => jsonDiff(before[k], after[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const keyed = [...before, ...after].every((v) => isObject(v) && typeof v.addr === "string");
    if (keyed) {
      const b = new Map(before.map((v) => [(v as { addr: string }).addr, v]));
      const a = new Map(after.map((v) => [(v as { addr: string }).addr, v]));
      const addrs = [...new Set([...b.keys(), ...a.keys()])];
      return addrs.flatMap((addr) => jsonDiff(b.get(addr), a.get(addr), `${path}[${addr}]`));
    }
  }
  if ((before === undefined || before === null) && isObject(after)) return jsonDiff({}, after, path);
  if ((after === undefined || after === null) && isObject(before)) return jsonDiff(before, {}, path);
  if (before === undefined && after === undefined) return [];
  if (before === undefined || before === null) return after === undefined || after === null ? [] : [{ path: path || "·", kind: "added", after }];
  if (after === undefined || after === null) return [{ path: path || "·", kind: "removed", before }];
  const same = JSON.stringify(before) === JSON.stringify(after);
  return [{ path: path || "·", kind: same ? "same" : "changed", before, after }];
}
