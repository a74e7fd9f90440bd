import "server-only";
// Moving a service between fleet groups (issue 15): audited as service.groups. The desired
// state itself (revision) does not change: after commit the service is pushed to the gateways
// of its new groups (pushService selects them, lib/fleet/groups.ts) and removed from the
// gateways of the groups it left, each outcome recorded against the event.
import { AppError } from "@/lib/errors";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { deleteFromGateways, pushService, type PushOutcome } from "@/lib/services/push";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { groupsOf, servesGateway } from "./groups";

export type SetGroupsResult = { service: string; groups: string[]; changed: boolean; eventId: string | null; pushed: PushOutcome[]; removed: PushOutcome[] };

export async function setServiceGroups(db: Db, actor: Actor, input: { service: string; groups: string[] }): Promise<SetGroupsResult> {
  const { before, eventId } = await db.$transaction(async (tx) => {
    const row = await tx.service.findUnique({ where: { name: input.service }, select: { id: true, groups: true } });
    if (!row) throw new AppError("not_found", `service ${input.service} not found`, { params: { service: input.service } });
    const old = [...groupsOf(row.groups)].sort();
    if (old.join() === input.groups.join()) return { before: old, eventId: null };
    await tx.service.update({ where: { id: row.id }, data: { groups: input.groups } });
    const event = await auditChange(tx, actor, {
      action: "service.groups",
      targetType: "service",
      targetName: input.service,
      serviceName: input.service,
      before: { groups: old },
      after: { groups: input.groups },
    });
    return { before: old, eventId: event.id };
  });
  if (eventId === null) return { service: input.service, groups: input.groups, changed: false, eventId: null, pushed: [], removed: [] };
  const targets = await loadGatewayTargets(db);
  const pushed = (await pushService(db, input.service, { eventId, targets })).outcomes;
  const leaving = targets.filter((t) => servesGateway(before, t.group) && !servesGateway(input.groups, t.group));
  const removed = leaving.length ? await deleteFromGateways(db, input.service, { eventId, targets: leaving }) : [];
  const left = removed.filter((o) => o.ok && o.gatewayId).map((o) => o.gatewayId!);
  if (left.length) await db.gatewaySync.deleteMany({ where: { service: { name: input.service }, gatewayId: { in: left } } });
  return { service: input.service, groups: input.groups, changed: true, eventId: eventId.toString(), pushed, removed };
}
