import "server-only";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { Db } from "./db-types";

export const AUDIT_PAGE_SIZE = 50;

export type AuditFilters = { service?: string; user?: string; action?: string };

export type AuditRow = {
  id: string;
  createdAt: string;
  actorEmail: string;
  actorRole: string;
  clientIp: string;
  action: string;
  targetType: string;
  targetName: string;
  serviceName: string | null;
  outcomes: { ok: number; failed: number };
};

/** Newest first, keyset-paginated by id: `before` is the last id of the previous page. */
export async function listAuditEvents(db: Db, filters: AuditFilters, before?: bigint, pageSize = AUDIT_PAGE_SIZE): Promise<{ rows: AuditRow[]; nextBefore: string | null }> {
  const where: Prisma.AuditEventWhereInput = {};
  if (filters.service) where.serviceName = filters.service;
  if (filters.user) where.actorEmail = { contains: filters.user, mode: "insensitive" };
  if (filters.action) where.action = filters.action.endsWith(".") ? { startsWith: filters.action } : filters.action;
  if (before !== undefined) where.id = { lt: before };
  const events = await db.auditEvent.findMany({
    where,
    orderBy: { id: "desc" },
    take: pageSize + 1,
    include: { outcomes: { select: { ok: true } } },
  });
  const page = events.slice(0, pageSize);
  return {
    rows: page.map((e) => ({
      id: e.id.toString(),
      createdAt: e.createdAt.toISOString(),
      actorEmail: e.actorEmail,
      actorRole: e.actorRole,
      clientIp: e.clientIp,
      action: e.action,
      targetType: e.targetType,
      targetName: e.targetName,
      serviceName: e.serviceName,
      outcomes: { ok: e.outcomes.filter((o) => o.ok).length, failed: e.outcomes.filter((o) => !o.ok).length },
    })),
    nextBefore: events.length > pageSize ? page[page.length - 1].id.toString() : null,
  };
}

/** Distinct values for the filter selects. */
export async function auditFilterOptions(db: Db): Promise<{ services: string[]; actions: string[] }> {
  const [services, actions] = await Promise.all([
    db.auditEvent.findMany({ where: { serviceName: { not: null } }, distinct: ["serviceName"], select: { serviceName: true }, orderBy: { serviceName: "asc" } }),
    db.auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } }),
  ]);
  return { services: services.map((s) => s.serviceName!).filter(Boolean), actions: actions.map((a) => a.action) };
}

export async function getAuditEvent(db: Db, id: bigint) {
  return db.auditEvent.findUnique({ where: { id }, include: { outcomes: { orderBy: { gatewayName: "asc" } } } });
}
