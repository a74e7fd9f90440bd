// Run one admin-API operation against many gateways in parallel. Each gateway gets its
// own client and timeout; one slow or dead gateway never delays or fails the others.

import { createGatewayClient, type GatewayClient } from "./client";
import { toGatewayError, type GatewayError } from "./errors";

/** A gateway the portal can reach: the token is already decrypted (server side only). */
export type GatewayTarget = {
  id: string | null;
  name: string;
  adminUrl: string;
  token: string;
  /** Fleet group (lib/fleet/groups.ts); absent: default. */
  group?: string;
};

export type FanOutResult<T> =
  | { gatewayId: string | null; gatewayName: string; ok: true; value: T; durationMs: number }
  | { gatewayId: string | null; gatewayName: string; ok: false; error: GatewayError; durationMs: number };

export const DEFAULT_TIMEOUT_MS = 2000;

export function clientFor(target: GatewayTarget, timeoutMs = DEFAULT_TIMEOUT_MS): GatewayClient {
  return createGatewayClient({ adminUrl: target.adminUrl, token: target.token, timeoutMs });
}

export async function fanOut<T>(
  targets: readonly GatewayTarget[],
  fn: (client: GatewayClient, target: GatewayTarget) => Promise<T>,
  opts: { timeoutMs?: number } = {},
): Promise<FanOutResult<T>[]> {
  return Promise.all(
    targets.map(async (target): Promise<FanOutResult<T>> => {
      const started = performance.now();
      const base = { gatewayId: target.id, gatewayName: target.name };
      try {
        const value = await fn(clientFor(target, opts.timeoutMs), target);
        return { ...base, ok: true, value, durationMs: Math.round(performance.now() - started) };
      } catch (e) {
        return { ...base, ok: false, error: toGatewayError(e), durationMs: Math.round(performance.now() - started) };
      }
    }),
  );
}
