// Typed client of one gateway's admin API. Every call has a timeout; failures are
// GatewayErrors carrying the gateway's code/field/status, or gateway_unreachable /
// gateway_timeout when no answer came back. Calls share pooled keep-alive connections per
// gateway (GATEWAY_AGENTS): a push, a status check and a stats poll no longer open a TCP
// connection each.
import http from "node:http";
import https from "node:https";

import { MANAGER_HEADER, PORTAL_MANAGER } from "@/lib/contract/manager";
import { gatewayAllowList } from "@/lib/address-policy";
import { httpRequest, type HttpResponse } from "@/lib/http-request";
import { GatewayError } from "./errors";
import type { GatewayState, GatewayStats, GatewayStatus, GatewaySummary, NodeStats } from "./types";

export type GatewayClientOptions = {
  adminUrl: string;
  token: string;
  /** Per request; default 2000 ms. */
  timeoutMs?: number;
};

export type PutOptions = {
  /** The version read before; the gateway answers 412 when it moved. */
  ifMatch?: number;
  /** Allow a state that leaves no stable-capable node. */
  force?: boolean;
};

export type GatewayClient = {
  readonly adminUrl: string;
  getUpstreams(): Promise<GatewayState[]>;
  /** GET /v1/summary: each service's revision, version and digest of its stored document. */
  getSummary(): Promise<GatewaySummary[]>;
  /** null when the gateway does not know the service (404). */
  getUpstream(name: string): Promise<GatewayState | null>;
  putUpstream(name: string, state: GatewayState, opts?: PutOptions): Promise<GatewayState>;
  /** false when it was not there (404). */
  deleteUpstream(name: string): Promise<boolean>;
  /** Counters of every service, or of one (`GET /v1/stats?service=`: what a service page polls). */
  getStats(opts?: { service?: string }): Promise<GatewayStats>;
  /**
   * The /v1/stats document as the gateway sent it (undefined when it is not JSON), for readers
   * that need more than getStats keeps; of one service with `service`.
   */
  getStatsDocument(opts?: { service?: string }): Promise<unknown>;
  getStatus(): Promise<GatewayStatus>;
};

/**
 * One keep-alive pool per scheme, shared by every client in the process (clients are made per
 * call); the agent keys its sockets by host:port, so each gateway has its own bounded pool.
 * An idle socket is closed after IDLE_MS, well before nginx's keepalive_timeout (75 s), so
 * the portal is almost always the side that closes; the rest is the stale-socket retry below.
 */
const IDLE_MS = 4000;
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, maxFreeSockets: 4, timeout: IDLE_MS, scheduling: "lifo" } as const;
export const GATEWAY_AGENTS = { "http:": new http.Agent(AGENT_OPTIONS), "https:": new https.Agent(AGENT_OPTIONS) };

/**
 * Methods whose retry cannot apply a change twice. A kept-alive socket the gateway closed
 * meanwhile (restart, reload, idle close) fails at once with ECONNRESET/EPIPE; such a call is
 * sent again once on a new connection if it is idempotent — every call of this client is
 * (GET, PUT of a whole service, DELETE) — and reported otherwise.
 */
const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE"]);
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE"]);

function staleSocket(e: unknown): boolean {
  return (e as { reusedSocket?: unknown } | null)?.reusedSocket === true && STALE_SOCKET_CODES.has(networkCode(e) ?? "");
}

const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "UND_ERR_SOCKET"]);

function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === "object"; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function createGatewayClient(opts: GatewayClientOptions): GatewayClient {
  const base = opts.adminUrl.replace(/\/+$/, "");
  const timeoutMs = opts.timeoutMs ?? 2000;
  // GRAYLANE_GATEWAY_ALLOW: every call resolves the host again and connects only inside it.
  const allow = gatewayAllowList();

  async function call(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; allow404?: boolean } = {},
  ): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${opts.token}`,
      accept: "application/json",
      ...init.headers,
    };
    // Every write names the portal as its manager: the gateway lets it change the services
    // the portal manages (and only forced writes of anybody else).
    if (method !== "GET" && method !== "HEAD") headers[MANAGER_HEADER.toLowerCase()] = PORTAL_MANAGER;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    const agent = base.startsWith("https:") ? GATEWAY_AGENTS["https:"] : GATEWAY_AGENTS["http:"];
    const started = Date.now();
    const send = (budgetMs: number) => httpRequest(base + path, { method, headers, body, timeoutMs: budgetMs, allow, agent });
    let res: HttpResponse;
    try {
      try {
        res = await send(timeoutMs);
      } catch (e) {
        if (!staleSocket(e) || !IDEMPOTENT.has(method)) throw e;
        // The gateway closed the kept-alive connection (restarted?): once more on a new one, within the same deadline.
        res = await send(Math.max(1, timeoutMs - (Date.now() - started)));
      }
    } catch (e) {
      if (e instanceof Error && e.name === "TimeoutError") {
        throw new GatewayError("gateway_timeout", `${method} ${path}: no answer within ${timeoutMs} ms`, { cause: e });
      }
      const code = networkCode(e);
      const what = code && NETWORK_CODES.has(code) ? code : e instanceof Error ? e.message : String(e);
      // Not retried (not idempotent): the gateway may or may not have applied it.
      const stale = staleSocket(e) ? " on a kept-alive connection the gateway closed; it may or may not have been applied: read the state before retrying" : "";
      throw new GatewayError("gateway_unreachable", `${method} ${path}: ${what}${stale}`, { cause: e });
    }
    const text = res.text;
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if ((res.status >= 200 && res.status < 300) || (init.allow404 && res.status === 404)) return { status: res.status, body: parsed };
    const err = (parsed as { error?: { code?: unknown; message?: unknown; field?: unknown } } | undefined)?.error;
    const code = typeof err?.code === "string" ? err.code : `http_${res.status}`;
    const message = typeof err?.message === "string" ? err.message : text.slice(0, 200) || res.statusText;
    throw new GatewayError(code, message, {
      status: res.status,
      field: typeof err?.field === "string" ? err.field : undefined,
    });
  }

  const enc = encodeURIComponent;

  return {
    adminUrl: base,
    async getUpstreams() {
      const { body } = await call("GET", "/v1/upstreams");
      return parseUpstreamList(body);
    },
    async getSummary() {
      const { body } = await call("GET", "/v1/summary");
      return parseSummary(body);
    },
    async getUpstream(name) {
      const { status, body } = await call("GET", `/v1/upstreams/${enc(name)}`, { allow404: true });
      if (status === 404) return null;
      return parseUpstream(body);
    },
    async putUpstream(name, state, putOpts = {}) {
      const headers: Record<string, string> = {};
      if (putOpts.ifMatch !== undefined) headers["if-match"] = String(putOpts.ifMatch);
      const managed = { ...state, managed_by: PORTAL_MANAGER };
      const { body } = await call("PUT", `/v1/upstreams/${enc(name)}`, {
        body: putOpts.force ? { ...managed, force: true } : managed,
        headers,
      });
      return parseUpstream(body);
    },
    async deleteUpstream(name) {
      const { status } = await call("DELETE", `/v1/upstreams/${enc(name)}`, { allow404: true });
      return status !== 404;
    },
    async getStats(statsOpts = {}) {
      if (statsOpts.service === undefined) return parseStats((await call("GET", "/v1/stats")).body);
      const { status, body } = await call("GET", `/v1/stats?service=${enc(statsOpts.service)}`, { allow404: true });
      // Unknown there (404), or a gateway that answers with more than was asked: only that service.
      if (status === 404) return {};
      const all = parseStats(body);
      return statsOpts.service in all ? { [statsOpts.service]: all[statsOpts.service] } : {};
    },
    async getStatsDocument(statsOpts = {}) {
      if (statsOpts.service === undefined) return (await call("GET", "/v1/stats")).body;
      const { status, body } = await call("GET", `/v1/stats?service=${enc(statsOpts.service)}`, { allow404: true });
      return status === 404 ? { services: [] } : body;
    },
    async getStatus() {
      const { body } = await call("GET", "/v1/status");
      if (!body || typeof body !== "object") throw new GatewayError("bad_response", "status: not a JSON object");
      return body as GatewayStatus;
    },
  };
}

// ---- response parsing: tolerant of wrappers, strict about what the portal relies on ----

function unwrap(body: unknown, key: string): unknown {
  if (body && typeof body === "object" && !Array.isArray(body) && key in body) {
    return (body as Record<string, unknown>)[key];
  }
  return body;
}

export function parseUpstream(body: unknown): GatewayState {
  const v = unwrap(body, "upstream") as Partial<GatewayState> | undefined;
  if (!v || typeof v !== "object" || typeof v.name !== "string" || !Array.isArray(v.nodes)) {
    throw new GatewayError("bad_response", "upstream: unexpected JSON shape");
  }
  const gray = (v.gray ?? {}) as Partial<GatewayState["gray"]>;
  const health = v.health as GatewayState["health"] | undefined;
  return {
    name: v.name,
    version: typeof v.version === "number" ? v.version : undefined,
    revision: typeof v.revision === "number" ? v.revision : null,
    algorithm: (v.algorithm ?? "round_robin") as GatewayState["algorithm"],
    nodes: v.nodes.map((n) => ({
      addr: String(n.addr),
      weight: Number(n.weight ?? 1),
      state: (n.state ?? "active") as GatewayState["nodes"][number]["state"],
      backup: Boolean(n.backup),
    })),
    gray: {
      header: gray.header ?? null,
      cookie: gray.cookie ?? null,
      cidrs: Array.isArray(gray.cidrs) ? gray.cidrs.map(String) : [],
      percent: Number(gray.percent ?? 0),
      tester: gray.tester && typeof gray.tester === "object" ? { cookie: String(gray.tester.cookie) } : null,
      // request-attribute rules: kept as the gateway returns them (it validated them), absent when none
      ...(Array.isArray(gray.match) && gray.match.length > 0 ? { match: gray.match } : {}),
      ...(gray.percent_key && typeof gray.percent_key === "object" ? { percent_key: gray.percent_key } : {}),
    },
    health:
      health && typeof health === "object"
        ? {
            max_fails: Number(health.max_fails),
            fail_timeout: Number(health.fail_timeout),
            ...(health.check && typeof health.check === "object" ? { check: { ...health.check } } : {}),
          }
        : null,
    managed_by: typeof v.managed_by === "string" ? v.managed_by : null,
  };
}

export function parseSummary(body: unknown): GatewaySummary[] {
  const list = (body as { services?: unknown } | undefined)?.services;
  if (!Array.isArray(list)) throw new GatewayError("bad_response", "summary: unexpected JSON shape");
  return list.map((v: { name?: unknown; revision?: unknown; version?: unknown; digest?: unknown }) => {
    if (typeof v?.name !== "string" || typeof v.digest !== "string") throw new GatewayError("bad_response", "summary: unexpected JSON shape");
    return { name: v.name, revision: typeof v.revision === "number" ? v.revision : null, version: typeof v.version === "number" ? v.version : null, digest: v.digest };
  });
}

function parseUpstreamList(body: unknown): GatewayState[] {
  const v = unwrap(body, "upstreams");
  if (Array.isArray(v)) return v.map(parseUpstream);
  throw new GatewayError("bad_response", "upstreams: unexpected JSON shape");
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function parseNodeStats(raw: Record<string, unknown>): NodeStats {
  const status: Record<string, number> = {};
  const src = raw.responses;
  if (src && typeof src === "object") {
    for (const [k, v] of Object.entries(src as Record<string, unknown>)) status[k] = num(v);
  }
  const latency = raw.latency as { sum?: unknown; count?: unknown } | undefined;
  const count = num(latency?.count);
  return {
    requests: num(raw.requests),
    status,
    failures: num(raw.connect_failures),
    inFlight: num(raw.in_flight),
    ejected: typeof raw.ejected === "boolean" ? raw.ejected : undefined,
    latencyMsAvg: count > 0 ? (num(latency?.sum) / count) * 1000 : undefined,
  };
}

/** GET /v1/stats: `{ services: [{ name, nodes: [{ addr, requests, responses, … }] }] }`. */
export function parseStats(body: unknown): GatewayStats {
  const list = (body as { services?: unknown } | undefined)?.services;
  if (!Array.isArray(list)) throw new GatewayError("bad_response", "stats: unexpected JSON shape");
  const out: GatewayStats = {};
  for (const svc of list as { name?: unknown; nodes?: unknown }[]) {
    if (typeof svc?.name !== "string" || !Array.isArray(svc.nodes)) continue;
    const perNode: Record<string, NodeStats> = {};
    for (const n of svc.nodes as Record<string, unknown>[]) perNode[String(n.addr)] = parseNodeStats(n);
    out[svc.name] = perNode;
  }
  return out;
}
