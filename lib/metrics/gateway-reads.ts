import "server-only";
// Gateway reads shared by every render and poll of a portal process: the same read of the
// same gateways within `ttlMs` (default 1 s) is done once, so many viewers cost the gateways
// (and the portal's CPU for parsing) one read per second, not one per viewer. `version`
// (e.g. the desired revision) is part of the key: after a change in the database the next
// render reads the gateways afresh instead of showing the state from before the change.
import { fanOut, type FanOutResult, type GatewayTarget } from "@/lib/gateways/fanout";
import type { GatewayClient } from "@/lib/gateways/client";
import { sharedRead } from "./shared-read";

export const GATEWAY_READ_TTL_MS = 1000;

export function sharedFanOut<T>(
  kind: string,
  targets: readonly GatewayTarget[],
  fn: (client: GatewayClient, target: GatewayTarget) => Promise<T>,
  opts: { timeoutMs?: number; ttlMs?: number; version?: string | number } = {},
): Promise<FanOutResult<T>[]> {
  const key = `gw:${kind}:${opts.version ?? ""}:${targets.map((t) => `${t.id ?? t.name}@${t.adminUrl}`).join(",")}`;
  return sharedRead(key, opts.ttlMs ?? GATEWAY_READ_TTL_MS, () => fanOut(targets, fn, { timeoutMs: opts.timeoutMs }));
}
