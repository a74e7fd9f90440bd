// Fleet groups (issue 15): which gateways a service goes to. The ONE place that decides it —
// pushes (lib/services/push.ts), reconcile (syncGateway), drift and the overview
// (lib/services/live.ts) call gatewaysForService / servesGateway; releases push through
// pushService and so follow it too. A gateway without a group (older rows) is in `default`.
import { DEFAULT_GROUP } from "@/lib/validations/group";

/** A service's groups as stored; none (rows from before groups) means `default`. */
export function groupsOf(groups: readonly string[] | null | undefined): readonly string[] {
  return groups && groups.length ? groups : [DEFAULT_GROUP];
}

/** Whether a gateway of `gatewayGroup` holds a service of `groups`. */
export function servesGateway(groups: readonly string[] | null | undefined, gatewayGroup: string | null | undefined): boolean {
  return groupsOf(groups).includes(gatewayGroup || DEFAULT_GROUP);
}

/** The gateways (targets, rows, …) that hold a service of `groups`, in their order. */
export function gatewaysForService<T extends { group?: string | null }>(gateways: readonly T[], groups: readonly string[] | null | undefined): T[] {
  return gateways.filter((g) => servesGateway(groups, g.group));
}

/** Per-gateway results (reads, outcomes) of the gateways that hold a service of `groups`. */
export function resultsForService<R extends { gatewayId: string | null }>(
  results: readonly R[],
  gateways: readonly { id: string | null; group?: string | null }[],
  groups: readonly string[] | null | undefined,
): R[] {
  const ids = new Set(gatewaysForService(gateways, groups).map((g) => g.id));
  return results.filter((r) => ids.has(r.gatewayId));
}
