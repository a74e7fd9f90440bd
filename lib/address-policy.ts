// Where the portal may send requests and which addresses it may hand to a gateway.
//
// - GRAYLANE_GATEWAY_ALLOW (CIDRs, comma or space separated; unset = anywhere): the networks
//   gateways may live in. A gateway's admin URL is checked when it is saved, and every call
//   to a gateway resolves the host again and connects only to an allowed address, so a DNS
//   name that later points elsewhere is refused too.
// - GRAYLANE_ALLOW_LINK_LOCAL=1: accept link-local node addresses (169.254.0.0/16, fe80::/10).
//   Off by default: that is where cloud metadata services answer (169.254.169.254), and a
//   node address is something the gateway connects to and health-checks.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import net, { BlockList } from "node:net";

export type AddressList = { text: string; list: BlockList };

/** The CIDRs of `text`, or an Error naming `variable` and the bad entry. Empty text → null. */
export function parseCidrList(text: string | undefined, variable: string): AddressList | null {
  const entries = (text ?? "").split(/[\s,]+/).filter(Boolean);
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry);
    const family = m ? net.isIP(m[1]) : 0;
    const bits = m?.[2] === undefined ? (family === 6 ? 128 : 32) : Number(m[2]);
    if (!m || family === 0 || bits > (family === 6 ? 128 : 32)) {
      throw new Error(`${variable}: "${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8).`);
    }
    list.addSubnet(m[1], bits, family === 6 ? "ipv6" : "ipv4");
  }
  return { text: entries.join(", "), list };
}

/** GRAYLANE_GATEWAY_ALLOW as a list, or null when every address is allowed. */
export function gatewayAllowList(env: NodeJS.ProcessEnv = process.env): AddressList | null {
  return parseCidrList(env.GRAYLANE_GATEWAY_ALLOW, "GRAYLANE_GATEWAY_ALLOW");
}

/** `ip` (v4, v6 or v4-mapped v6) is inside one of the list's networks. */
export function addressAllowed(ip: string, allow: AddressList): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  return allow.list.check(ip, family === 6 ? "ipv6" : "ipv4");
}

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet("169.254.0.0", 16, "ipv4");
LINK_LOCAL.addSubnet("fe80::", 10, "ipv6");

/** 169.254.0.0/16 or fe80::/10 (also as an IPv4-mapped IPv6 address). */
export function isLinkLocal(ip: string): boolean {
  const family = net.isIP(ip);
  return family !== 0 && LINK_LOCAL.check(ip, family === 6 ? "ipv6" : "ipv4");
}

export function linkLocalAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.GRAYLANE_ALLOW_LINK_LOCAL === "1" || env.GRAYLANE_ALLOW_LINK_LOCAL === "true";
}

/** The IP of a `host:port` / `[v6]:port` node address when its host is an IP literal. */
export function addrHostIp(addr: string): string | null {
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(addr.trim());
  const host = v6 ? v6[1] : addr.trim().replace(/:\d*$/, "");
  return net.isIP(host) ? host : null;
}

/** A node address the portal accepts: not link-local unless GRAYLANE_ALLOW_LINK_LOCAL allows it. */
export function nodeAddrAllowed(addr: string, env: Record<string, string | undefined> = process.env): boolean {
  if (linkLocalAllowed(env)) return true;
  const ip = addrHostIp(addr);
  return ip === null || !isLinkLocal(ip);
}

/** Strips the brackets of an IPv6 URL host. */
export function urlHostname(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** Every address `hostname` resolves to (the literal itself for an IP). */
export async function resolveHost(hostname: string): Promise<string[]> {
  if (net.isIP(hostname)) return [hostname];
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (err, addrs: LookupAddress[]) => (err ? reject(err) : resolve(addrs.map((a) => a.address)))),
  );
}

/**
 * The addresses of `url`'s host that `allow` refuses (all of them must be allowed: a name
 * with one address outside could be pointed there). Throws when the name does not resolve.
 */
export async function disallowedAddresses(url: string, allow: AddressList): Promise<string[]> {
  const addrs = await resolveHost(urlHostname(new URL(url)));
  return addrs.filter((a) => !addressAllowed(a, allow));
}

export class AddressNotAllowedError extends Error {
  readonly code = "address_not_allowed";
  constructor(
    readonly host: string,
    readonly addresses: string[],
    allow: AddressList,
  ) {
    super(`${host} (${addresses.join(", ")}) is outside GRAYLANE_GATEWAY_ALLOW (${allow.text})`);
    this.name = "AddressNotAllowedError";
  }
}

/**
 * A `lookup` for node:http that resolves like the system does and refuses the connection
 * when an address is outside `allow`. The check happens before connecting, so the request
 * (and its bearer token) never leaves for a refused address.
 */
export function allowListLookup(allow: AddressList): net.LookupFunction {
  return ((hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addrs: LookupAddress[]) => {
      if (err) return callback(err);
      const refused = addrs.filter((a) => !addressAllowed(a.address, allow)).map((a) => a.address);
      if (refused.length || addrs.length === 0) return callback(new AddressNotAllowedError(hostname, refused, allow));
      if (options.all) return callback(null, addrs);
      callback(null, addrs[0].address, addrs[0].family);
    });
  }) as unknown as net.LookupFunction;
}
