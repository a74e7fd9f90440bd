// The shared vectors of test/vectors/contract.json and how each category reaches the gateway:
// the admin API body that carries a value, and where the gateway's stored state holds it.
// Used by lib/contract/vectors.test.ts (the portal's schemas) and test/gateway/vectors.test.ts
// (a real gateway), so both run exactly the same cases.
import { readFileSync } from "node:fs";
import path from "node:path";

export type Vector = {
  value: unknown;
  /** The gateway accepts `value` as sent. */
  gateway: boolean;
  /** The portal's schema accepts it. */
  portal: boolean;
  /** The stored form (the portal's output; the gateway's too unless `why` says otherwise). */
  canonical?: unknown;
  /** Why the two sides differ: "portal normalises: …" or "known difference: …". */
  why?: string;
  note?: string;
  /** Valid syntax, refused as a new node by the link-local policy on both sides. */
  newNodePolicy?: boolean;
};

export const CATEGORIES = ["addresses", "names", "cidrs", "headerNames", "cookieNames", "matchValues", "percents", "matchRules", "percentKeys"] as const;
export type Category = (typeof CATEGORIES)[number];

export const vectors: Record<Category, Vector[]> = JSON.parse(readFileSync(path.join(import.meta.dirname, "contract.json"), "utf8"));

/** The PUT /v1/upstreams/{name} body that carries `value` where the category lives. */
export function bodyFor(category: Category, value: unknown): Record<string, unknown> {
  switch (category) {
    case "addresses":
      return { nodes: [{ addr: value }] };
    case "names":
      return { name: value };
    case "cidrs":
      return { gray: { cidrs: [value] } };
    case "headerNames":
      return { gray: { header: { name: value, value: "1" } } };
    case "cookieNames":
      return { gray: { cookie: { name: value, value: "1" } } };
    case "matchValues":
      return { gray: { header: { name: "X-Gray", value } } };
    case "percents":
      return { gray: { percent: value } };
    case "matchRules":
      return { gray: { match: [value] } };
    case "percentKeys":
      return { gray: { percent_key: value } };
  }
}

type Stored = { name?: string; nodes?: { addr: string }[]; gray?: { cidrs?: string[]; percent?: number; header?: { name: string; value: string } | null; cookie?: { name: string } | null; match?: unknown[]; percent_key?: unknown } };

/** The value as stored, read back from a service document (gateway GET or the portal's parsed body). */
export function storedOf(category: Category, doc: Stored): unknown {
  switch (category) {
    case "addresses":
      return doc.nodes?.[0]?.addr;
    case "names":
      return doc.name;
    case "cidrs":
      return doc.gray?.cidrs?.[0];
    case "headerNames":
      return doc.gray?.header?.name;
    case "cookieNames":
      return doc.gray?.cookie?.name;
    case "matchValues":
      return doc.gray?.header?.value;
    case "percents":
      return doc.gray?.percent;
    case "matchRules":
      return doc.gray?.match?.[0];
    case "percentKeys":
      return doc.gray?.percent_key;
  }
}

/** Short label for a test name. */
export function label(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}…" (${String(v).length} chars)` : s;
}
