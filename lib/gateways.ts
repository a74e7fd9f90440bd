import "server-only";
import { appendAuditEvent } from "@/lib/audit-chain";
import { decrypt, encrypt } from "@/lib/crypto";
import { db } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { createGatewayClient } from "@/lib/gateway/client";
import { toGatewayError } from "@/lib/gateway/errors";
import type { GatewayStatus } from "@/lib/gateway/types";
import { log } from "@/lib/log";
import { auditActor, type Actor } from "@/lib/services/db-types";
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

/** Every gateway with a live status check, in parallel (an unreachable one costs 2 s at most). */
export async function listGatewaysWithStatus(): Promise<GatewayWithProbe[]> {
  const rows = await db.gateway.findMany({ orderBy: { name: "asc" } });
  return Promise.all(
    rows.map(async (row) => {
      const probe = await probeGateway(row);
      const { tokenEnc: _secret, updatedAt: _u, ...view } = row;
      void _secret;
      void _u;
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
function auditJson(g: { name: string; adminUrl: string; proxyUrl: string | null }) {
  return { name: g.name, adminUrl: g.adminUrl, proxyUrl: g.proxyUrl };
}

function nameTaken(name: string, cause: unknown): AppError {
  return new AppError("invalid_input", `gateway ${name} exists`, {
    params: { name },
    fieldErrors: { name: ["specific.gatewayNameTaken"] },
    cause,
  });
}

export async function createGateway(actor: Actor, input: CreateGatewayInput): Promise<GatewayView> {
  const tokenEnc = encrypt(input.token);
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.gateway.create({ data: { name: input.name, adminUrl: input.adminUrl, proxyUrl: input.proxyUrl || null, tokenEnc }, select: VIEW_SELECT });
      await appendAuditEvent(tx, {
        ...auditActor(actor),
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

export async function updateGateway(actor: Actor, input: UpdateGatewayInput): Promise<GatewayView> {
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.gateway.findUnique({ where: { id: input.id }, select: VIEW_SELECT });
      if (!before) throw new AppError("not_found", `gateway ${input.id} not found`);
      const tokenChanged = input.token !== "";
      const updated = await tx.gateway.update({
        where: { id: input.id },
        data: { name: input.name, adminUrl: input.adminUrl, proxyUrl: input.proxyUrl || null, ...(tokenChanged ? { tokenEnc: encrypt(input.token) } : {}) },
        select: VIEW_SELECT,
      });
      await appendAuditEvent(tx, {
        ...auditActor(actor),
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
    await appendAuditEvent(tx, {
      ...auditActor(actor),
      action: "gateway.delete",
      targetType: "gateway",
      targetName: before.name,
      before: auditJson(before),
      after: null,
    });
    return { name: before.name };
  });
}
