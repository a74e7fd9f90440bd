import { z } from "zod";

// One schema per form, shared by the form and its server action. Messages are keys of
// errors.validation (translated in safe-action).

export const GATEWAY_NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
export const GATEWAY_TOKEN_MIN = 8;

export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === "http:" || u.protocol === "https:") && Boolean(u.hostname) && !u.username && !u.password;
  } catch {
    return false;
  }
}

/**
 * The admin URL as the portal stores and calls it: `scheme://host[:port]`, or null. No path,
 * query, fragment or credentials: the portal appends /v1/... and sends the bearer token to
 * whatever this names, so anything more would let a URL aim the token at another endpoint.
 */
export function canonicalAdminUrl(value: string): string | null {
  const raw = value.trim();
  // "?" / "#" with nothing after them parse to an empty search/hash: refuse the text itself.
  if (!isHttpUrl(raw) || /[?#@\\\s]/.test(raw)) return null;
  const u = new URL(raw);
  if (u.pathname !== "/" || u.search || u.hash) return null;
  return `${u.protocol}//${u.host}`;
}

const name = z.string().trim().regex(GATEWAY_NAME_RE, { error: "gatewayName" });
const adminUrl = z
  .string()
  .trim()
  .refine((v) => canonicalAdminUrl(v) !== null, { error: "adminUrlOrigin" })
  .transform((v) => canonicalAdminUrl(v) ?? v);
/** Where clients reach the gateway's proxy (for tester links); empty: derived from the admin URL. */
const proxyUrl = z
  .string()
  .trim()
  .refine((v) => v === "" || isHttpUrl(v), { error: "proxyUrl" })
  .transform((v) => v.replace(/\/+$/, ""))
  .default("");
const token = z.string().min(GATEWAY_TOKEN_MIN, { error: "tokenMin" }).max(512, { error: "tokenMax" });

export const createGatewaySchema = z.object({ name, adminUrl, proxyUrl, token });
export type CreateGatewayInput = z.output<typeof createGatewaySchema>;

/** An empty token keeps the stored one, unless the admin URL changes (lib/gateways/registry.ts). */
export const updateGatewaySchema = z.object({
  id: z.string().min(1),
  name,
  adminUrl,
  proxyUrl,
  token: z.union([z.literal(""), token]),
});
export type UpdateGatewayInput = z.output<typeof updateGatewaySchema>;

export const gatewayIdSchema = z.object({ id: z.string().min(1) });
