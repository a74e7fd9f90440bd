import "server-only";
// How a sync reads a gateway: GET /v1/summary (each service's revision, version and the digest
// of the document the gateway stores), then only the documents not known to be in sync.
//
// Whether a live document is in sync with a desired state is a pure function of the two
// (diffState). So a pair once compared in sync — (digest of the gateway's document, key of
// the desired state) — is remembered per gateway and service and needs no second look while
// neither side moves. Any write on the gateway (the portal's, a forced one, the brief's
// calls, a state file edited before a restart) stores a new document with a new digest; any
// change of the desired state gives a new key: then the document is fetched and compared in
// full, exactly as before. A portal process that starts (or takes over as leader) compares
// everything once.
import { createHash } from "node:crypto";
import type { GatewayClient } from "@/lib/gateways/client";
import { isGatewayError } from "@/lib/gateways/errors";
import type { GatewayTarget } from "@/lib/gateways/fanout";
import type { GatewayState, GatewaySummary } from "@/lib/gateways/types";
import type { StoredService } from "@/lib/services/read";
import { toGatewayState } from "@/lib/services/state";
import { mapLimit } from "./limit";

/** More documents to read than this: one GET /v1/upstreams instead of one GET each. */
const FULL_LIST_OVER = 16;
const READ_CONCURRENCY = 8;

/** gateway → service → the in-sync pair last seen there. */
const memo = ((globalThis as unknown as { graylaneSyncMemo?: Map<string, Map<string, string>> }).graylaneSyncMemo ??= new Map());
const desiredKeys = new WeakMap<StoredService, string>();

function gatewayKey(target: GatewayTarget): string {
  return `${target.id ?? ""}|${target.adminUrl}`;
}

/** The desired state as pushed (revision, nodes, gray, health, managed_by), hashed; once per object. */
function desiredKey(d: StoredService): string {
  let key = desiredKeys.get(d);
  if (!key) {
    key = createHash("sha256").update(JSON.stringify(toGatewayState(d))).digest("base64url");
    desiredKeys.set(d, key);
  }
  return key;
}

const pair = (d: StoredService, digest: string) => `${digest}:${desiredKey(d)}`;

export type LiveRead = {
  /** The gateway's summary by service (empty for a gateway without /v1/summary). */
  summary: Map<string, GatewaySummary>;
  /** Services whose document is unchanged since it was seen in sync with this desired state. */
  inSync: Set<string>;
  /** The documents read (every other service of `mine` the gateway has). */
  docs: Map<string, GatewayState>;
};

/** Reads what a sync of `mine` (the gateway's services) needs; throws when the gateway cannot be read. */
export async function readLive(client: GatewayClient, target: GatewayTarget, mine: readonly StoredService[]): Promise<LiveRead> {
  let list: GatewaySummary[];
  try {
    list = await client.getSummary();
  } catch (e) {
    if (!(isGatewayError(e) && e.status === 404)) throw e;
    // A gateway from before /v1/summary: every document, as before.
    return { summary: new Map(), inSync: new Set(), docs: new Map((await client.getUpstreams()).map((u) => [u.name, u])) };
  }
  const summary = new Map(list.map((s) => [s.name, s]));
  const seen = memo.get(gatewayKey(target)) ?? new Map<string, string>();
  memo.set(gatewayKey(target), seen);
  const inSync = new Set<string>();
  const need = new Set<string>();
  for (const d of mine) {
    const s = summary.get(d.name);
    if (!s) continue; // missing there: nothing to read
    if (seen.get(d.name) === pair(d, s.digest)) inSync.add(d.name);
    else need.add(d.name);
  }
  for (const name of seen.keys()) if (!summary.has(name)) seen.delete(name);
  let docs: GatewayState[];
  if (need.size > FULL_LIST_OVER) docs = (await client.getUpstreams()).filter((u) => need.has(u.name));
  else docs = (await mapLimit([...need], READ_CONCURRENCY, (name) => client.getUpstream(name))).filter((u): u is GatewayState => u !== null);
  return { summary, inSync, docs: new Map(docs.map((u) => [u.name, u])) };
}

/**
 * Remembers that `doc` was compared in sync with `desired`, under the digest the summary gave —
 * only when the document read is the one the summary described (same version: no write came
 * between the two reads).
 */
export function remember(target: GatewayTarget, desired: StoredService, s: GatewaySummary | undefined, doc: GatewayState | undefined): void {
  if (!s || !doc || s.version === null || doc.version !== s.version) return;
  memo.get(gatewayKey(target))?.set(desired.name, pair(desired, s.digest));
}

/** Drops what is remembered of gateways no longer registered. */
export function forgetGatewaysBut(targets: readonly GatewayTarget[]): void {
  const keep = new Set(targets.map(gatewayKey));
  for (const k of memo.keys()) if (!keep.has(k)) memo.delete(k);
}
