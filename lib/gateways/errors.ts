// A failed admin-API call, with the gateway's own error code kept intact so the portal
// can translate known codes and show unknown ones as they are.

export class GatewayError extends Error {
  /** The gateway's error code (e.g. `invalid_addr`) or a client code (`gateway_timeout`). */
  readonly code: string;
  /** HTTP status, absent when no response arrived. */
  readonly status?: number;
  /** The request field the gateway blamed, if any. */
  readonly field?: string;

  constructor(code: string, message: string, opts: { status?: number; field?: string; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "GatewayError";
    this.code = code;
    this.status = opts.status;
    this.field = opts.field;
  }
}

export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}

/** Any thrown value → GatewayError, so callers can report every failure the same way. */
export function toGatewayError(e: unknown): GatewayError {
  if (isGatewayError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new GatewayError("bad_response", message, { cause: e });
}
