import "server-only";
// A gateway enrolls itself (issue 15): POST /api/v1/gateways/enroll with an enrollment token
// as bearer and its name, admin URL, per-gateway admin token and group. The portal checks the
// admin URL like a manual registration (GRAYLANE_GATEWAY_ALLOW), proves the URL and token by
// reading the gateway's /v1/status with them, then creates the gateway — or, for the same
// name enrolled before by the same token (a restart), updates URL, token and group. The
// reconciler then pushes every service of the group within one interval.
//
// Hijack rule: a name registered by hand, or enrolled with another enrollment token, is not
// taken over (409 gateway_name_taken). Whoever holds a token can only (re)enroll the names
// that token enrolled; to move a gateway to another token, delete it on the Gateways page
// (its services stay on the box) and let it enroll again.
import { encrypt } from "@/lib/crypto";
import { AppError, isUniqueViolation } from "@/lib/errors";
import { createGatewayClient } from "@/lib/gateways/client";
import { toGatewayError } from "@/lib/gateways/errors";
import { checkGatewayAllowed } from "@/lib/gateways/registry";
import { log } from "@/lib/log";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { retireOtherGroups } from "@/lib/fleet/retire";
import type { EnrollInput } from "./schema";
import type { EnrollTokenCheck } from "./tokens";

export const ENROLL_PROBE_TIMEOUT_MS = 3000;

export type EnrollResult = { created: boolean; gateway: { id: string; name: string; group: string; adminUrl: string } };

/** The audited "who" of an enrollment: the token's creator, acting through the token. */
export function enrollmentActor(token: Extract<EnrollTokenCheck, { ok: true }>, req: { clientIp: string; userAgent: string }): Actor {
  return { id: token.createdById, email: token.createdByEmail, role: "ENROLLMENT", clientIp: req.clientIp, userAgent: req.userAgent };
}

/** Reads the gateway's status with the token it sent: the portal must be able to manage it. */
async function proveReachable(input: EnrollInput): Promise<string | null> {
  try {
    const status = await createGatewayClient({ adminUrl: input.adminUrl, token: input.adminToken, timeoutMs: ENROLL_PROBE_TIMEOUT_MS }).getStatus();
    const v = (status as Record<string, unknown>).nginx_version ?? (status as Record<string, unknown>).nginxVersion;
    return typeof v === "string" ? v : null;
  } catch (e) {
    const err = toGatewayError(e);
    throw new AppError("gateway_error", `enroll ${input.name}: ${input.adminUrl} answered ${err.code}: ${err.message}`, {
      reason: "gateway_unreachable",
      params: { gateway: input.name, adminUrl: input.adminUrl, code: err.code },
      fieldErrors: { adminUrl: ["specific.enrollUnreachable"] },
      cause: e,
    });
  }
}

function taken(name: string, cause?: unknown): AppError {
  return new AppError("conflict", `gateway ${name} is registered by hand or by another enrollment token`, {
    reason: "gateway_name_taken",
    params: { name },
    fieldErrors: { name: ["specific.enrollNameTaken"] },
    cause,
  });
}

export async function enrollGateway(db: Db, token: Extract<EnrollTokenCheck, { ok: true }>, actor: Actor, input: EnrollInput): Promise<EnrollResult> {
  await checkGatewayAllowed(input.adminUrl);
  // Cheap refusal before calling the gateway: the name belongs to someone else.
  const existing = await db.gateway.findUnique({ where: { name: input.name }, select: { enrollTokenId: true } });
  if (existing && existing.enrollTokenId !== token.id) throw taken(input.name);
  const nginxVersion = await proveReachable(input);
  const now = new Date();
  const reason = `enrollment token ${token.name} (${token.prefix}…)`;
  try {
    const result = await db.$transaction(async (tx) => {
      const before = await tx.gateway.findUnique({ where: { name: input.name } });
      if (before && before.enrollTokenId !== token.id) throw taken(input.name);
      const data = {
        adminUrl: input.adminUrl,
        proxyUrl: input.proxyUrl || null,
        tokenEnc: encrypt(input.adminToken),
        group: input.group,
        enrollTokenId: token.id,
        enrolledAt: now,
        lastSeenAt: now,
        lastError: null,
        nginxVersion,
      };
      const row = before ? await tx.gateway.update({ where: { id: before.id }, data }) : await tx.gateway.create({ data: { name: input.name, ...data } });
      await auditChange(tx, actor, {
        action: "gateway.enroll",
        targetType: "gateway",
        targetName: row.name,
        before: before ? { name: before.name, adminUrl: before.adminUrl, proxyUrl: before.proxyUrl, group: before.group } : null,
        after: { name: row.name, adminUrl: row.adminUrl, proxyUrl: row.proxyUrl, group: row.group, reenrolled: Boolean(before) },
        reason,
      });
      log.info("gateway.enrolled", { gateway: row.name, group: row.group, adminUrl: row.adminUrl, created: !before, enrollToken: token.prefix });
      return { created: !before, groupChanged: Boolean(before && before.group !== row.group), gateway: { id: row.id, name: row.name, group: row.group, adminUrl: row.adminUrl } };
    });
    if (result.groupChanged) await retireOtherGroups(db, actor, result.gateway.id);
    return { created: result.created, gateway: result.gateway };
  } catch (e) {
    // Two first enrollments of one name at once: the loser sees the winner's row.
    if (isUniqueViolation(e)) throw taken(input.name, e);
    throw e;
  }
}
