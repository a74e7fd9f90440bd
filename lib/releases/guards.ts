// Guard rails of a release. A refusal names what is wrong; an operator may pass it by
// typing the service name and giving a reason (both go to the audit log).

import { AppError } from "@/lib/errors";
import type { DesiredService } from "@/lib/services/state";
import type { ServiceSample } from "./analysis";
import type { OverrideInput } from "@/lib/validations/release";
import { isTarget } from "./plan";

export type NodeHealth = {
  addr: string;
  /** Gateways where the node is ejected, down, or missing. */
  problems: { gateway: string; problem: "ejected" | "not_active" | "missing" }[];
};

export type HealthReport = {
  /** Stable nodes (active, not a target) and what each gateway says about them. */
  stable: NodeHealth[];
  unreachable: string[];
};

/** What the gateways say about the nodes that are stable in the desired state. */
export function stableHealth(desired: DesiredService, targets: readonly string[], sample: ServiceSample, unreachable: readonly string[]): HealthReport {
  const stable = desired.nodes
    .filter((n) => n.state === "active" && !isTarget(targets, n.addr))
    .map((n): NodeHealth => {
      const problems: NodeHealth["problems"] = [];
      for (const [gateway, nodes] of Object.entries(sample.gateways)) {
        const c = Object.entries(nodes).find(([addr]) => addr.toLowerCase() === n.addr.toLowerCase())?.[1];
        if (!c) problems.push({ gateway, problem: "missing" });
        else if (c.state && c.state !== "active") problems.push({ gateway, problem: "not_active" });
        else if (c.ejected) problems.push({ gateway, problem: "ejected" });
      }
      return { addr: n.addr, problems };
    });
  return { stable, unreachable: [...unreachable] };
}

export type GuardCode = "unhealthyStable" | "noStableLeft" | "gatewayUnreachable";

export type GuardRefusal = { code: GuardCode; nodes: string[]; gateways: string[] };

/** Healthy stable nodes: in the pool and fine on every gateway that answered. */
export function availableStable(h: HealthReport): string[] {
  return h.stable.filter((n) => n.problems.length === 0).map((n) => n.addr);
}

export function startRefusals(h: HealthReport): GuardRefusal[] {
  const out: GuardRefusal[] = [];
  const sick = h.stable.filter((n) => n.problems.length > 0);
  if (sick.length) out.push({ code: "unhealthyStable", nodes: sick.map((n) => n.addr), gateways: [...new Set(sick.flatMap((n) => n.problems.map((p) => p.gateway)))] });
  if (availableStable(h).length === 0) out.push({ code: "noStableLeft", nodes: [], gateways: [] });
  if (h.unreachable.length) out.push({ code: "gatewayUnreachable", nodes: [], gateways: h.unreachable });
  return out;
}

export function stepRefusals(h: HealthReport): GuardRefusal[] {
  const out: GuardRefusal[] = [];
  if (availableStable(h).length === 0) out.push({ code: "noStableLeft", nodes: h.stable.map((n) => n.addr), gateways: [] });
  if (h.unreachable.length) out.push({ code: "gatewayUnreachable", nodes: [], gateways: h.unreachable });
  return out;
}

/**
 * Throws when a guard rail refuses and no valid override was given. Returns the refusals
 * that were overridden (empty when none applied) for the audit record.
 */
export function enforceGuards(service: string, refusals: readonly GuardRefusal[], override: OverrideInput | undefined): GuardRefusal[] {
  if (!refusals.length) return [];
  if (!override) {
    const first = refusals[0];
    throw new AppError("invalid_input", `${service}: refused by guard rails: ${refusals.map((r) => r.code).join(", ")}`, {
      params: { service, nodes: first.nodes.join(", "), gateways: first.gateways.join(", ") },
      fieldErrors: { override: refusals.map((r) => `guard.${r.code}`) },
    });
  }
  if (override.confirm !== service) {
    throw new AppError("invalid_input", `${service}: override confirmation does not match`, {
      params: { service },
      fieldErrors: { "override.confirm": ["validation.overrideMismatch"] },
    });
  }
  return [...refusals];
}
