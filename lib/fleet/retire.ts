import "server-only";
// A gateway that changes group (gateway form, or re-enrollment with another
// GRAYLANE_GATEWAY_GROUP) must stop serving the services of the group it left: the reconciler
// only ever looks at the services of a gateway's own group, so it would never remove them.
// Removed here, one audit event (gateway.retire_services) with each removal's outcome.
import { createGatewayClient } from "@/lib/gateways/client";
import { log } from "@/lib/log";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { Db } from "@/lib/db";
import { deleteFromGateways } from "@/lib/services/push";
import { loadGatewayTargets } from "@/lib/gateways/targets";
import { servesGateway } from "./groups";

/** Removes from the gateway every service the database manages for other groups; returns their names. */
export async function retireOtherGroups(db: Db, actor: Actor, gatewayId: string): Promise<string[]> {
  const [target] = await loadGatewayTargets(db, { id: gatewayId });
  if (!target) return [];
  let live;
  try {
    live = await createGatewayClient({ adminUrl: target.adminUrl, token: target.token, timeoutMs: 2000 }).getUpstreams();
  } catch (e) {
    log.warn("fleet.retire_unreadable", { gateway: target.name, error: e instanceof Error ? e.message : String(e) });
    return [];
  }
  // Only services the database knows: a service made on the gateway directly is not ours to remove.
  const known = await db.service.findMany({ where: { name: { in: live.map((u) => u.name) } }, select: { name: true, groups: true } });
  const stray = known.filter((s) => !servesGateway(s.groups, target.group)).map((s) => s.name);
  if (!stray.length) return [];
  const event = await db.$transaction((tx) =>
    auditChange(tx, actor, {
      action: "gateway.retire_services",
      targetType: "gateway",
      targetName: target.name,
      before: { group: target.group ?? "default", services: stray },
      after: null,
      reason: "the gateway left the groups of these services",
    }),
  );
  for (const name of stray) await deleteFromGateways(db, name, { eventId: event.id, targets: [target] });
  await db.gatewaySync.deleteMany({ where: { gatewayId, service: { name: { in: stray } } } });
  log.info("fleet.retired_services", { gateway: target.name, group: target.group, services: stray });
  return stray;
}
