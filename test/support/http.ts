// Small node:http client for the gateway tests: explicit Host header, local
// address binding (to act as different client IPs on 127/8) and keep-alive agents.
import http from "node:http";

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export interface ReqOpts {
  method?: string;
  host?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  agent?: http.Agent | false;
  localAddress?: string;
  timeoutMs?: number;
}

export function request(url: string, opts: ReqOpts = {}): Promise<Res> {
  const u = new URL(url);
  const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
  if (opts.host) headers.host = opts.host;
  if (opts.body !== undefined) headers["content-length"] = Buffer.byteLength(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: u.hostname.replace(/^\[|\]$/g, ""),
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? "GET",
        headers,
        agent: opts.agent ?? false,
        localAddress: opts.localAddress,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown = undefined;
          try {
            json = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error(`timeout ${url}`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface LoadResult {
  ok: number;
  failures: string[];
  byBackend: Map<string, number>;
  total: number;
}

/**
 * Sends requests from `concurrency` keep-alive loops until `stop()` returns true
 * or `count` requests were sent. A failure is any transport error or a status
 * other than 200.
 */
export async function load(opts: {
  url: string;
  host: string;
  concurrency: number;
  count?: number;
  until?: () => boolean;
  headers?: Record<string, string>;
  localAddress?: string;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const res: LoadResult = { ok: 0, failures: [], byBackend: new Map(), total: 0 };
  let issued = 0;
  const more = () => (opts.count !== undefined ? issued < opts.count : !opts.until!());
  const worker = async () => {
    while (more()) {
      issued++;
      try {
        const r = await request(opts.url, { host: opts.host, agent, headers: opts.headers, localAddress: opts.localAddress });
        res.total++;
        if (r.status === 200) {
          res.ok++;
          const name = String(r.json?.name ?? r.headers["x-backend-name"] ?? "?");
          res.byBackend.set(name, (res.byBackend.get(name) ?? 0) + 1);
        } else {
          res.failures.push(`${r.status} ${r.text.slice(0, 200)}`);
        }
      } catch (e) {
        res.total++;
        res.failures.push(String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  agent.destroy();
  return res;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value or timeoutMs passes (then returns the last value). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000, stepMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await sleep(stepMs);
  }
}

/** Polls fn (errors count as "not yet") until it returns a truthy value; fails the test after `ms`. */
export async function until<T>(fn: () => Promise<T | false | null | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(50);
  }
}
