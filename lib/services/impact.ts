// What a node change does to a service's stable pool, and the rule the gateway applies:
// a change that leaves no node able to take stable traffic is refused unless forced.

import type { NodeState } from "@/lib/gateways/types";
import type { DesiredNode } from "./state";

export type NodeChange =
  | { kind: "add"; node: DesiredNode }
  | { kind: "remove"; addr: string }
  | { kind: "state"; addr: string; state: NodeState }
  | { kind: "weight"; addr: string; weight: number }
  | { kind: "backup"; addr: string; backup: boolean };

/** Active nodes take stable traffic; a backup one only when no other active node is up. */
export function isStableCapable(n: { state: NodeState }): boolean {
  return n.state === "active";
}

/** In the stable pool proper (not a backup waiting in reserve). */
export function inStablePool(n: { state: NodeState; backup: boolean }): boolean {
  return n.state === "active" && !n.backup;
}

export function hasStableCapable(nodes: readonly { state: NodeState }[]): boolean {
  return nodes.some(isStableCapable);
}

export class NodeChangeError extends Error {
  constructor(
    readonly reason: "node_exists" | "node_not_found",
    readonly addr: string,
  ) {
    super(`${reason}: ${addr}`);
    this.name = "NodeChangeError";
  }
}

/** The node list after a change; throws NodeChangeError for an unknown or duplicate addr. */
export function applyNodeChange(nodes: readonly DesiredNode[], change: NodeChange): DesiredNode[] {
  if (change.kind === "add") {
    if (nodes.some((n) => sameAddr(n.addr, change.node.addr))) throw new NodeChangeError("node_exists", change.node.addr);
    return [...nodes, { ...change.node }];
  }
  const i = nodes.findIndex((n) => sameAddr(n.addr, change.addr));
  if (i < 0) throw new NodeChangeError("node_not_found", change.addr);
  if (change.kind === "remove") return nodes.filter((_, j) => j !== i);
  const next = nodes.map((n) => ({ ...n }));
  if (change.kind === "state") next[i].state = change.state;
  if (change.kind === "weight") next[i].weight = change.weight;
  if (change.kind === "backup") next[i].backup = change.backup;
  return next;
}

export function sameAddr(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export type Impact = {
  /** Nodes in the stable pool (active, not backup) before / after. */
  stableBefore: number;
  stableAfter: number;
  /** Active backups left to take stable traffic after the change. */
  backupAfter: number;
  totalBefore: number;
  totalAfter: number;
  /** The change takes capacity out of the stable pool (confirm first). */
  reducesStable: boolean;
  /** No node left able to take stable traffic: refused unless forced. */
  leavesNoStable: boolean;
};

export function computeImpact(before: readonly DesiredNode[], after: readonly DesiredNode[]): Impact {
  const stableBefore = before.filter(inStablePool).length;
  const stableAfter = after.filter(inStablePool).length;
  const capableBefore = before.filter(isStableCapable).length;
  const capableAfter = after.filter(isStableCapable).length;
  return {
    stableBefore,
    stableAfter,
    backupAfter: after.filter((n) => isStableCapable(n) && n.backup).length,
    totalBefore: before.length,
    totalAfter: after.length,
    reducesStable: stableAfter < stableBefore || capableAfter < capableBefore,
    // The gateway's guard: refuse taking away the last stable-capable node.
    leavesNoStable: capableBefore > 0 && capableAfter === 0,
  };
}

export function impactOfChange(nodes: readonly DesiredNode[], change: NodeChange): Impact {
  return computeImpact(nodes, applyNodeChange(nodes, change));
}
