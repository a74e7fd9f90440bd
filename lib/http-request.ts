// A small HTTP client on node:http for calls to gateways and local processes.
// Not fetch(): undici refuses the "bad ports" of the Fetch standard, and 6000 — the
// gateway's default admin port — is one of them ("fetch failed: bad port").
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { addressAllowed, AddressNotAllowedError, allowListLookup, urlHostname, type AddressList } from "@/lib/address-policy";

export type HttpResponse = { status: number; statusText: string; text: string };

export class HttpTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

export function httpRequest(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs: number;
    /** Connect only to addresses in this list (checked before connecting); null/absent: anywhere. */
    allow?: AddressList | null;
    /** A pooled keep-alive agent (lib/gateways/client.ts); absent: one connection per call. */
    agent?: http.Agent;
  },
): Promise<HttpResponse> {
  const target = new URL(url);
  const mod = target.protocol === "https:" ? https : target.protocol === "http:" ? http : null;
  if (!mod) return Promise.reject(new Error(`unsupported URL scheme ${target.protocol} (use http or https)`));
  const host = urlHostname(target);
  if (opts.allow && net.isIP(host) && !addressAllowed(host, opts.allow)) {
    return Promise.reject(new AddressNotAllowedError(host, [host], opts.allow));
  }
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers["content-length"] = String(Buffer.byteLength(opts.body));
  return new Promise((resolve, reject) => {
    const req = mod.request(target, { method: opts.method ?? "GET", headers, agent: opts.agent ?? false, ...(opts.allow ? { lookup: allowListLookup(opts.allow) } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    // One deadline for the whole exchange, not an idle timeout per socket event.
    const timer = setTimeout(() => req.destroy(new HttpTimeoutError(`no answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    req.on("close", () => clearTimeout(timer));
    // Whether the failed exchange ran on a kept-alive socket: its peer may have closed it meanwhile.
    req.on("error", (e) => reject(Object.assign(e, { reusedSocket: req.reusedSocket })));
    req.end(opts.body);
  });
}
