import "server-only";
import { disallowedAddresses, gatewayAllowList } from "@/lib/address-policy";
import { decrypt, encrypt } from "@/lib/crypto";
import { db, type Db } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { createGatewayClient } from "@/lib/gateways/client";
import { toGatewayError } from "@/lib/gateways/errors";
import type { GatewayStatus } from "@/lib/gateways/types";
import { log } from "@/lib/log";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Role } from "@/lib/rbac";
import type { CreateGatewayInput, UpdateGatewayInput } from "@/lib/validations/gateway";

// Gateway registry: the portal's list of gateways and their connection checks. Tokens are
// decrypted only here, right before a call, and never leave this module.

export const STATUS_TIMEOUT_MS = 2000;

/** What a page or an action result may carry: no token, not even encrypted. */
export type GatewayView = {
  id: string;
  name: string;
  adminUrl: string;
  proxyUrl: string | null;
  group: string;
  enrolledAt: Date | null;
  createdAt: Date;
  lastSeenAt: Date | null;
  nginxVersion: string | null;
  lastError: string | null;
};

export type GatewayProbe =
  | { reachable: true; nginxVersion: string | null; uptimeSeconds: number | null; workers: number | null; gatewayId: string | null; durationMs: number }
  | { reachable: false; error: { code: string; message: string }; durationMs: number };

const VIEW_SELECT = {
  id: true,
  name: true,
  adminUrl: true,
  proxyUrl: true,
  group: true,
  enrolledAt: true,
  createdAt: true,
  lastSeenAt: true,
  nginxVersion: true,
  lastError: true,
} as const;

function pick<T>(status: GatewayStatus, keys: string[], guard: (v: unknown) => v is T): T | null {
  for (const k of keys) if (guard(status[k])) return status[k] as T;
  return null;
}
const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** GET /v1/status with the gateway's token; records last seen / version / error on the row. */
export async function probeGateway(row: { id: string; name: string; adminUrl: string; tokenEnc: string }): Promise<GatewayProbe> {
  const started = performance.now();
  let probe: GatewayProbe;
  try {
    const token = decrypt(row.tokenEnc);
    const status = await createGatewayClient({ adminUrl: row.adminUrl, token, timeoutMs: STATUS_TIMEOUT_MS }).getStatus();
    probe = {
      reachable: true,
      nginxVersion: pick(status, ["nginxVersion", "nginx_version", "nginx"], isString),
      uptimeSeconds: pick(status, ["uptimeSeconds", "uptime_seconds", "uptime"], isNumber),
      workers: pick(status, ["workers", "worker_count"], isNumber),
      gatewayId: pick(status, ["id", "gateway_id", "gatewayId"], isString),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (e) {
    const err = e instanceof Error && e.message.startsWith("decrypt:") ? { code: "token_unreadable", message: e.message } : toGatewayError(e);
    probe = { reachable: false, error: { code: err.code, message: err.message }, durationMs: Math.round(performance.now() - started) };
  }
  // An observation, not a change: no audit event.
  await db.gateway
    .update({
      where: { id: row.id },
      data: probe.reachable
        ? { lastSeenAt: new Date(), nginxVersion: probe.nginxVersion, lastError: null }
        : { lastError: `${probe.error.code}: ${probe.error.message}`.slice(0, 500) },
    })
    .catch((e) => log.warn("gateway.probe_record_failed", { gateway: row.name, error: e instanceof Error ? e.message : String(e) }));
  return probe;
}

export type GatewayWithProbe = GatewayView & { probe: GatewayProbe };

/**
 * What `role` may read of a gateway error: ADMIN gets the gateway's (or the URL's) own words,
 * everyone else only the code. A misdirected admin URL answers with whatever lives there, and
 * that text must not reach every signed-in user.
 */
export function gatewayErrorFor(role: Role, error: { code: string; message: string }): { code: string; message: string } {
  return role === "ADMIN" ? error : { code: error.code, message: "" };
}

/** A stored "code: message" line (lastError) as `role` may read it. */
export function gatewayErrorLineFor(role: Role, line: string | null): string | null {
  if (line === null || role === "ADMIN") return line;
  const code = /^([a-z0-9_]+):/.exec(line)?.[1];
  return code ?? "error";
}

/** The gateways page's rows for `role`: details of failures only for ADMIN. */
export function gatewaysForRole(role: Role, gateways: GatewayWithProbe[]): GatewayWithProbe[] {
  return gateways.map((g) => ({
    ...g,
    lastError: gatewayErrorLineFor(role, g.lastError),
    probe: g.probe.reachable ? g.probe : { ...g.probe, error: gatewayErrorFor(role, g.probe.error) },
  }));
}

/** Every gateway with a live status check, in parallel (an unreachable one costs 2 s at most). */
export async function listGatewaysWithStatus(): Promise<GatewayWithProbe[]> {
  const rows = await db.gateway.findMany({ orderBy: { name: "asc" } });
  return Promise.all(
    rows.map(async (row) => {
      const probe = await probeGateway(row);
      const { tokenEnc: _secret, updatedAt: _u, enrollTokenId: _e, syncLeaseUntil: _l, ...view } = row;
      void _secret;
      void _u;
      void _e;
      void _l;
      return {
        ...view,
        lastSeenAt: probe.reachable ? new Date() : view.lastSeenAt,
        nginxVersion: probe.reachable ? probe.nginxVersion : view.nginxVersion,
        lastError: probe.reachable ? null : `${probe.error.code}: ${probe.error.message}`,
        probe,
      };
    }),
  );
}

export async function testGateway(id: string): Promise<GatewayProbe> {
  const row = await db.gateway.findUnique({ where: { id } });
  if (!row) throw new AppError("not_found", `gateway ${id} not found`);
  return probeGateway(row);
}

/** What the audit log keeps of a gateway: never the token. */
function auditJson(g: { name: string; adminUrl: string; proxyUrl: string | null; group: string }) {
  return { name: g.name, adminUrl: g.adminUrl, proxyUrl: g.proxyUrl, group: g.group };
}

function nameTaken(name: string, cause: unknown): AppError {
  return new AppError("invalid_input", `gateway ${name} exists`, {
    params: { name },
    fieldErrors: { name: ["specific.gatewayNameTaken"] },
    cause,
  });
}

/**
 * GRAYLANE_GATEWAY_ALLOW: every address the admin URL's host resolves to must be inside it.
 * (Calls check again when they connect: lib/http-request.ts.)
 */
export async function checkGatewayAllowed(adminUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const allow = gatewayAllowList(env);
  if (!allow) return;
  const host = new URL(adminUrl).hostname;
  let refused: string[];
  try {
    refused = await disallowedAddresses(adminUrl, allow);
  } catch (e) {
    throw new AppError("invalid_input", `gateway host ${host} does not resolve`, {
      params: { host },
      fieldErrors: { adminUrl: ["specific.gatewayHostUnresolved"] },
      cause: e,
    });
  }
  if (refused.length) {
    throw new AppError("invalid_input", `gateway ${host} (${refused.join(", ")}) outside GRAYLANE_GATEWAY_ALLOW`, {
      params: { host, addresses: refused.join(", "), allowed: allow.text },
      fieldErrors: { adminUrl: ["specific.gatewayNotAllowed"] },
    });
  }
}

/** Registers a gateway (audited). `client`: the database, when not the portal's (seeds, tests). */
export async function createGateway(actor: Actor, input: CreateGatewayInput & { group?: string }, client: Db = db): Promise<GatewayView> {
  await checkGatewayAllowed(input.adminUrl);
  const tokenEnc = encrypt(input.token);
  try {
    return await client.$transaction(async (tx) => {
      const created = await tx.gateway.create({ data: { name: input.name, adminUrl: input.adminUrl, proxyUrl: input.proxyUrl || null, tokenEnc, group: input.group }, select: VIEW_SELECT });
      await auditChange(tx, actor, {
        action: "gateway.create",
        targetType: "gateway",
        targetName: created.name,
        before: null,
        after: auditJson(created),
      });
      return created;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(input.name, e);
    throw e;
  }
}

export async function updateGateway(actor: Actor, input: UpdateGatewayInput & { group?: string }): Promise<GatewayView> {
  await checkGatewayAllowed(input.adminUrl);
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.gateway.findUnique({ where: { id: input.id }, select: VIEW_SELECT });
      if (!before) throw new AppError("not_found", `gateway ${input.id} not found`);
      const tokenChanged = input.token !== "";
      // The stored token belongs to the old address: never send it to a new one unasked.
      if (before.adminUrl !== input.adminUrl && !tokenChanged) {
        throw new AppError("invalid_input", `gateway ${before.name}: admin URL changed without the token`, {
          fieldErrors: { token: ["specific.gatewayTokenForNewUrl"] },
        });
      }
      const updated = await tx.gateway.update({
        where: { id: input.id },
        data: { name: input.name, adminUrl: input.adminUrl, proxyUrl: input.proxyUrl || null, group: input.group, ...(tokenChanged ? { tokenEnc: encrypt(input.token) } : {}) },
        select: VIEW_SELECT,
      });
      await auditChange(tx, actor, {
        action: "gateway.update",
        targetType: "gateway",
        targetName: updated.name,
        before: auditJson(before),
        after: { ...auditJson(updated), tokenChanged },
      });
      return updated;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw nameTaken(input.name, e);
    throw e;
  }
}

export async function deleteGateway(actor: Actor, id: string): Promise<{ name: string }> {
  return db.$transaction(async (tx) => {
    const before = await tx.gateway.findUnique({ where: { id }, select: VIEW_SELECT });
    if (!before) throw new AppError("not_found", `gateway ${id} not found`);
    await tx.gateway.delete({ where: { id } });
    await auditChange(tx, actor, {
      action: "gateway.delete",
      targetType: "gateway",
      targetName: before.name,
      before: auditJson(before),
      after: null,
    });
    return { name: before.name };
  });
}
