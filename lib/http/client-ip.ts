import { isIP } from "node:net";

// Who is on the other end of a request. Next.js does not hand route handlers, server actions
// or proxy.ts the socket address; what it does is set `X-Forwarded-For` to the socket address
// when the request has none (next/dist/server/base-server.js). proxy.ts therefore moves every
// incoming X-Forwarded-For to the internal header below (after deleting
// any copy of those a client sent) and removes the originals, so after proxy.ts:
//   x-forwarded-for            = the TCP peer (set by Next.js, never by the client)
//   x-graylane-forwarded-for   = what the peer claimed, used only when the peer is a trusted proxy
// Trusted proxies: GRAYLANE_TRUSTED_PROXIES, comma-separated CIDRs or addresses; default none.

export const PEER_HEADER = "x-forwarded-for";
export const CLAIMED_FOR_HEADER = "x-graylane-forwarded-for";

type HeaderSource = { get(name: string): string | null } | Record<string, unknown> | undefined | null;

function header(h: HeaderSource, name: string): string {
  if (!h) return "";
  if (typeof (h as { get?: unknown }).get === "function") return (h as { get(n: string): string | null }).get(name) ?? "";
  const v = (h as Record<string, unknown>)[name];
  return typeof v === "string" ? v : Array.isArray(v) ? v.join(",") : "";
}

/** "::ffff:10.0.0.1" → "10.0.0.1", "[::1]" → "::1", a port after an IPv4 address dropped; "" when not an address. */
export function normalizeIp(raw: string): string {
  let s = raw.trim();
  if (s.startsWith("[")) s = s.slice(1, s.indexOf("]") > 0 ? s.indexOf("]") : undefined);
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  const lower = s.toLowerCase();
  if (lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4) return lower.slice(7);
  return isIP(lower) ? lower : "";
}

/** 128-bit value of an address (IPv4 as its IPv4-mapped IPv6 form), or null. */
function toBigInt(ip: string): bigint | null {
  const kind = isIP(ip);
  if (kind === 4) return (0xffffn << 32n) | BigInt(ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0));
  if (kind !== 6) return null;
  let text = ip;
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = v4[1].split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    text = text.slice(0, -v4[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

export type Cidr = { base: bigint; bits: number };

/** "10.0.0.0/8, 192.168.1.7, ::1/128" → CIDRs; throws on a malformed entry (a typo must not trust nobody silently). */
export function parseCidrs(list: string | undefined): Cidr[] {
  const out: Cidr[] = [];
  for (const entry of (list ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const [addr, len] = entry.split("/");
    const ip = normalizeIp(addr);
    const value = ip ? toBigInt(ip) : null;
    const v4 = isIP(ip) === 4;
    const max = v4 ? 32 : 128;
    const prefix = len === undefined ? max : Number(len);
    if (value === null || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (len !== undefined && !/^\d+$/.test(len))) {
      throw new Error(`GRAYLANE_TRUSTED_PROXIES: "${entry}" is not an address or CIDR`);
    }
    const bits = v4 ? prefix + 96 : prefix;
    out.push({ base: bits === 0 ? 0n : (value >> BigInt(128 - bits)) << BigInt(128 - bits), bits });
  }
  return out;
}

export function inCidrs(ip: string, cidrs: Cidr[]): boolean {
  const value = toBigInt(normalizeIp(ip));
  if (value === null) return false;
  return cidrs.some(({ base, bits }) => bits === 0 || value >> BigInt(128 - bits) === base >> BigInt(128 - bits));
}

let cached: { raw: string | undefined; cidrs: Cidr[] } | undefined;

/** GRAYLANE_TRUSTED_PROXIES, parsed once per value. */
export function trustedProxies(): Cidr[] {
  const raw = process.env.GRAYLANE_TRUSTED_PROXIES;
  if (!cached || cached.raw !== raw) cached = { raw, cidrs: parseCidrs(raw) };
  return cached.cidrs;
}

/**
 * The client's address: the TCP peer, or — when the peer is a trusted proxy — the right-most
 * address in its X-Forwarded-For chain that is not itself a trusted proxy. "" when unknown.
 */
export function clientIp(headers: HeaderSource, trusted: Cidr[] = trustedProxies()): string {
  const peerList = header(headers, PEER_HEADER).split(",");
  // Next.js sets the peer as the whole header; without proxy.ts in front (tests), take the last hop.
  const peer = normalizeIp(peerList[peerList.length - 1] ?? "");
  if (!peer || !inCidrs(peer, trusted)) return peer;
  const chain = header(headers, CLAIMED_FOR_HEADER).split(",").map(normalizeIp);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!chain[i]) return peer; // not an address: the chain cannot be trusted past here
    if (!inCidrs(chain[i], trusted)) return chain[i];
  }
  return chain[0] || peer; // every hop is a trusted proxy
}
