// Errors with two faces: a stable machine code (translated for people through the
// `errors` message catalog) and an internal message that only reaches the logs.

export const ERROR_STATUS = {
  unauthorized: 401,
  forbidden: 403,
  // A session-cookie call to the API from another origin or without a JSON body (CSRF guard).
  cross_origin: 403,
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  gateway_error: 502,
  database_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Values interpolated into the translated message, e.g. { service: "shop" }. */
  readonly params: Record<string, string | number>;
  readonly fieldErrors?: FieldErrors;
  /** A more precise machine code within `code` for API clients, e.g. conflict → "release_not_open". */
  readonly reason?: string;

  constructor(
    code: ErrorCode,
    internalMessage: string,
    opts: { params?: Record<string, string | number>; fieldErrors?: FieldErrors; cause?: unknown; reason?: string } = {},
  ) {
    super(internalMessage, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.params = opts.params ?? {};
    this.fieldErrors = opts.fieldErrors;
    this.reason = opts.reason;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A Prisma unique-constraint violation (P2002): the row another request just created. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}

/**
 * zod issues as field errors: "gray.percent" → its messages (catalog keys). An issue about the
 * input itself goes under `rootField` ("_form" for a form; "id" when the value is a path id).
 */
export function zodFieldErrors(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }, rootField = "_form"): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join(".") : rootField;
    (out[key] ??= []).push(issue.message);
  }
  return out;
}
