// Node input, shared by the forms and the server actions. Error messages are keys of the
// `services` catalog (validation.*); forms translate them next to the field.

import { z } from "zod";
import { canonicalAddr } from "@/lib/contract/address";
import { MAX_NODES_PER_SERVICE } from "@/lib/contract/limits";
import * as contract from "@/lib/contract/schema";
import { nodeAddrAllowed } from "@/lib/address-policy";
import { algorithmSchema, DEFAULT_GRAY_RULE, grayRuleSchema, serviceNameSchema } from "./service";

/** `host:port` with an IPv4 address, a `[IPv6]` address or a hostname; port 1–65535 (surrounding spaces ignored). */
export function isValidAddr(addr: string): boolean {
  return canonicalAddr(addr.trim()) !== null;
}

/** contract.address after trimming, stored in the gateway's canonical form. */
export const addrSchema = z
  .string()
  .trim()
  .min(1, { error: "validation.required" })
  .pipe(contract.address)
  .transform((v) => canonicalAddr(v) ?? v);

/** contract.weight; form text is coerced to a number first. */
export const weightSchema = z.coerce.number({ error: "validation.weight" }).pipe(contract.weight);

export const nodeStateSchema = contract.nodeState;

export const nodeSchema = z.object({
  // A new node may not be link-local (cloud metadata lives at 169.254.169.254) unless
  // GRAYLANE_ALLOW_LINK_LOCAL=1; existing ones can still be changed and removed.
  addr: addrSchema.refine((a) => nodeAddrAllowed(a), { error: "validation.linkLocal" }),
  weight: weightSchema.default(1),
  state: nodeStateSchema.default("active"),
  backup: z.boolean().default(false),
  note: z.string().trim().max(200, { error: "validation.note" }).default(""),
});
export type NodeInput = z.output<typeof nodeSchema>;

/** Every node change names the service and the revision the form was rendered with. */
const target = {
  service: serviceNameSchema,
  revision: z.coerce.number().int().min(1),
  /** Accept a change that leaves no stable-capable node. */
  force: z.boolean().default(false),
};

export const addNodeSchema = z.object({ ...target, node: nodeSchema });
export const removeNodeSchema = z.object({ ...target, addr: addrSchema });
export const setNodeStateSchema = z.object({ ...target, addr: addrSchema, state: nodeStateSchema });
export const updateNodeSchema = z
  .object({
    ...target,
    addr: addrSchema,
    weight: weightSchema.optional(),
    backup: z.boolean().optional(),
  })
  .refine((v) => v.weight !== undefined || v.backup !== undefined, { error: "validation.nothingToChange", path: ["weight"] });

export type AddNodeInput = z.output<typeof addNodeSchema>;
export type RemoveNodeInput = z.output<typeof removeNodeSchema>;
export type SetNodeStateInput = z.output<typeof setNodeStateSchema>;
export type UpdateNodeInput = z.output<typeof updateNodeSchema>;

export const createServiceSchema = z
  .object({
    name: serviceNameSchema,
    algorithm: algorithmSchema.default("round_robin"),
    // No static header/cookie matcher by default (docs/design.md): testers get signed links.
    gray: grayRuleSchema.default(DEFAULT_GRAY_RULE),
    nodes: z.array(nodeSchema).max(MAX_NODES_PER_SERVICE, { error: "validation.tooManyNodes" }).default([]),
    force: z.boolean().default(false),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.nodes.forEach((n, i) => {
      const key = n.addr.toLowerCase();
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["nodes", i, "addr"], message: "validation.duplicateAddr" });
      seen.add(key);
    });
  });
export type CreateServiceInput = z.output<typeof createServiceSchema>;
