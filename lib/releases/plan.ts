// What each release step does to a service's desired state, and the preview of the split
// it leads to. Pure functions: no database, no network (client components import them).

import type { GrayRule, NodeState } from "@/lib/gateways/types";
import { isStableCapable, sameAddr } from "@/lib/services/impact";
import type { DesiredNode, DesiredService } from "@/lib/services/state";

/** Tester links live at most this long (the gateway refuses more than 24 h ahead). */
export const MAX_TESTER_HOURS = 24;
export const DEFAULT_TESTER_HOURS = 8;

/** What the service looked like before the release: restored on rollback. */
export type ReleaseSnapshot = {
  revision: number;
  gray: GrayRule;
  nodes: { addr: string; weight: number; state: NodeState; backup: boolean }[];
};

/** Per-release cookie name, so an old release's tester cookie never routes a new one. */
export function testerCookieName(releaseId: string): string {
  return `graylane_t_${releaseId.slice(-10).replace(/[^A-Za-z0-9]/g, "")}`;
}

export function snapshotOf(s: DesiredService): ReleaseSnapshot {
  return {
    revision: s.revision,
    gray: { ...s.gray, cidrs: [...s.gray.cidrs], tester: s.gray.tester ? { ...s.gray.tester } : null },
    nodes: s.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup })),
  };
}

export function isTarget(targets: readonly string[], addr: string): boolean {
  return targets.some((t) => sameAddr(t, addr));
}

function withTargets(nodes: readonly DesiredNode[], targets: readonly string[], state: NodeState): DesiredNode[] {
  return nodes.map((n) => (isTarget(targets, n.addr) ? { ...n, state } : { ...n }));
}

/**
 * Start: targets leave the stable pool for the gray pool; testers reach them by their signed
 * cookie and the operator's CIDRs; no share yet. The service's static header/cookie matchers
 * (anyone who sends them reaches gray) stay off unless the start opts in (`keepStatic`).
 */
export function startState(before: DesiredService, targets: readonly string[], cookie: string, keepStatic = false): DesiredService {
  return {
    ...before,
    nodes: withTargets(before.nodes, targets, "gray"),
    gray: {
      ...before.gray,
      header: keepStatic ? before.gray.header : null,
      cookie: keepStatic ? before.gray.cookie : null,
      cidrs: [...before.gray.cidrs],
      percent: 0,
      tester: { cookie },
    },
  };
}

/** A traffic step: only the share of clients hashed into gray changes. */
export function stepState(before: DesiredService, percent: number): DesiredService {
  return { ...before, nodes: before.nodes.map((n) => ({ ...n })), gray: { ...before.gray, cidrs: [...before.gray.cidrs], percent } };
}

/**
 * Promote: targets join the stable pool with the new build; no share, no tester cookie. Static
 * matchers the start left off come back as the service had them (`snapshot`): they are the
 * service's setting, only suspended during the release.
 */
export function promoteState(before: DesiredService, targets: readonly string[], snapshot?: Pick<ReleaseSnapshot, "gray">): DesiredService {
  return {
    ...before,
    nodes: withTargets(before.nodes, targets, "active"),
    gray: {
      ...before.gray,
      header: before.gray.header ?? snapshot?.gray.header ?? null,
      cookie: before.gray.cookie ?? snapshot?.gray.cookie ?? null,
      cidrs: [...before.gray.cidrs],
      percent: 0,
      tester: null,
    },
  };
}

/**
 * Roll back: targets go down; the other nodes get back the state, weight and backup flag
 * they had before the release (nodes added since stay as they are); the gray rule is
 * the one from before the release.
 */
export function rollbackState(before: DesiredService, targets: readonly string[], snapshot: ReleaseSnapshot): DesiredService {
  const nodes = before.nodes.map((n): DesiredNode => {
    if (isTarget(targets, n.addr)) return { ...n, state: "down" };
    const old = snapshot.nodes.find((o) => sameAddr(o.addr, n.addr));
    return old ? { ...n, state: old.state, weight: old.weight, backup: old.backup } : { ...n };
  });
  const g = snapshot.gray;
  return { ...before, nodes, gray: { ...g, cidrs: [...g.cidrs], tester: g.tester ? { ...g.tester } : null } };
}

/** The next planned percentage after the current step index, or null at the end of the plan. */
export function nextPlannedPercent(steps: readonly number[], currentStep: number): number | null {
  return currentStep + 1 < steps.length ? steps[currentStep + 1] : null;
}

/** The index in the plan reached by going to `percent` (the last planned step ≤ percent). */
export function stepIndexFor(steps: readonly number[], percent: number): number {
  let idx = -1;
  steps.forEach((s, i) => {
    if (s <= percent) idx = i;
  });
  return idx;
}

export type SplitPreview = {
  stable: { addr: string; weight: number; backup: boolean }[];
  gray: { addr: string; weight: number }[];
  /** Nodes that take nothing (down/draining). */
  idle: { addr: string; state: NodeState }[];
  /** Who is routed to gray: the rule's matchers that are on. */
  reaches: {
    tester: string | null;
    header: { name: string; value: string } | null;
    cookie: { name: string; value: string } | null;
    cidrs: string[];
    percent: number;
  };
  /** Share of ordinary (hashed) clients expected in gray, 0..100; 0 when no gray node. */
  expectedGrayPercent: number;
  /** No node left for stable traffic. */
  noStable: boolean;
};

export function previewSplit(s: DesiredService): SplitPreview {
  const gray = s.nodes.filter((n) => n.state === "gray");
  const stableCapable = s.nodes.filter(isStableCapable);
  return {
    stable: s.nodes.filter((n) => isStableCapable(n)).map((n) => ({ addr: n.addr, weight: n.weight, backup: n.backup })),
    gray: gray.map((n) => ({ addr: n.addr, weight: n.weight })),
    idle: s.nodes.filter((n) => n.state === "down" || n.state === "draining").map((n) => ({ addr: n.addr, state: n.state })),
    reaches: {
      tester: s.gray.tester?.cookie ?? null,
      header: s.gray.header,
      cookie: s.gray.cookie,
      cidrs: [...s.gray.cidrs],
      percent: s.gray.percent,
    },
    expectedGrayPercent: gray.length ? s.gray.percent : 0,
    noStable: stableCapable.length === 0,
  };
}
