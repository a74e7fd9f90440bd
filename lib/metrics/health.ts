// What the node table says about a node's health, from the gateways' counters. The gateways
// report passive health only (ejected after failures); a node that no request has reached
// yet has not shown anything, so it is "unknown", not "OK".
import type { NodeRates } from "@/lib/services/stats";

export type NodeHealth = "unknown" | "ejected" | "ok";

export function nodeHealth(s: Pick<NodeRates, "ejected" | "requests"> | undefined): NodeHealth {
  if (!s) return "unknown";
  if (s.ejected) return "ejected";
  return s.requests > 0 ? "ok" : "unknown";
}
