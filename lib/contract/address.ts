// Node addresses and CIDRs in the gateway's canonical form (the Lua twin is lua/graylane/validate.lua
// parse_addr / parse_cidr): IPv4 without leading zeros, IPv6 in RFC 5952 text inside brackets,
// hostnames lowercased. Storing the canonical form keeps the desired state byte-equal to what
// gateways return. Both sides are run against test/vectors/contract.json.

function parseIPv4(s: string): number[] | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function parseIPv6(s: string): number[] | null {
  if (s.length < 2 || s.length > 45 || /[^0-9A-Fa-f:.]/.test(s)) return null;
  let tail: number[] | null = null;
  const last = /:([0-9.]+)$/.exec(s);
  if (last && last[1].includes(".")) {
    tail = parseIPv4(last[1]);
    if (!tail) return null;
    s = s.slice(0, s.length - last[1].length) + "0:0";
  }
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let all: number[];
  const dc = s.indexOf("::");
  if (dc >= 0) {
    if (s.indexOf("::", dc + 1) >= 0) return null;
    const head = groups(s.slice(0, dc));
    const rest = groups(s.slice(dc + 2));
    if (!head || !rest) return null;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const g = groups(s);
    if (!g || g.length !== 8) return null;
    all = g;
  }
  if (tail) {
    all[6] = (tail[0] << 8) | tail[1];
    all[7] = (tail[2] << 8) | tail[3];
  }
  return all;
}

function formatIPv6(g: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((n) => n.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

function validHostname(h: string): boolean {
  if (h.length < 1 || h.length > 253 || /^[0-9.]+$/.test(h)) return false;
  return h.split(".").every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function parsePort(p: string): number | null {
  if (!/^\d{1,5}$/.test(p)) return null;
  const n = Number(p);
  return n >= 1 && n <= 65535 ? n : null;
}

/**
 * The canonical `host:port`, or null when the gateway would refuse the address. Strict like the
 * gateway: no whitespace is trimmed here (the portal's form schemas trim before they call it).
 */
export function canonicalAddr(s: string): string | null {
  if (s.length < 3 || s.length > 270) return null;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) {
    const g = parseIPv6(v6[1]);
    const port = parsePort(v6[2]);
    return g && port ? `[${formatIPv6(g)}]:${port}` : null;
  }
  const m = /^([^:[\]]+):([^:]*)$/.exec(s);
  if (!m) return null;
  const port = parsePort(m[2]);
  if (!port) return null;
  if (/^[0-9.]+$/.test(m[1])) {
    const v4 = parseIPv4(m[1]);
    return v4 ? `${v4.join(".")}:${port}` : null;
  }
  return validHostname(m[1]) ? `${m[1].toLowerCase()}:${port}` : null;
}

/** Canonical CIDR text as the gateway stores it (host bits zeroed), or null. Strict: no trimming. */
export function canonicalCidr(s: string): string | null {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(s);
  if (!m) return null;
  const v4 = parseIPv4(m[1]);
  const bytes = v4 ?? parseIPv6(m[1])?.flatMap((g) => [g >> 8, g & 255]) ?? null;
  if (!bytes) return null;
  const max = v4 ? 32 : 128;
  const bits = m[2] === undefined ? max : Number(m[2]);
  if (bits > max) return null;
  const net = bytes.map((b, i) => {
    const keep = bits - i * 8;
    return keep <= 0 ? 0 : keep < 8 ? b & ((0xff << (8 - keep)) & 0xff) : b;
  });
  const text = v4 ? net.join(".") : formatIPv6(Array.from({ length: 8 }, (_, i) => (net[2 * i] << 8) | net[2 * i + 1]));
  return `${text}/${bits}`;
}
