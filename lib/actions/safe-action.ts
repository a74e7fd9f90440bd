import "server-only";
import { headers } from "next/headers";
import { getLocale, getTranslations } from "next-intl/server";
import { z } from "zod";
import { getSessionUser, type SessionUser } from "@/lib/auth";
import { clientIp } from "@/lib/http/client-ip";
import { toAppError } from "@/lib/http/errors";
import { AppError, zodFieldErrors, type ErrorCode, type FieldErrors } from "@/lib/errors";
import { log } from "@/lib/log";
import { can, type Permission } from "@/lib/rbac";
import { findNulByte, NUL_BYTE_MESSAGE } from "@/lib/validations/text";

// One way into every mutation: session → permission → zod → work.
// Every file in lib/actions/ exports an action built with defineAction.

export type ActionContext = {
  user: SessionUser;
  clientIp: string;
  userAgent: string;
};

export type ActionError = {
  code: ErrorCode;
  /** Translated for the current user. */
  message: string;
  fieldErrors?: FieldErrors;
};

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

export async function requestContext(): Promise<{ clientIp: string; userAgent: string }> {
  const h = await headers();
  return { clientIp: clientIp(h), userAgent: h.get("user-agent") ?? "" };
}

export async function errorResult(e: unknown): Promise<{ ok: false; error: ActionError }> {
  const err = toAppError(e);
  if (err.code === "internal" || err.code === "database_unavailable") {
    log.error("action.failed", { code: err.code, error: err.message });
  }
  const t = await getTranslations("errors");
  // Field messages are catalog keys: "required" → errors.validation.required,
  // "specific.emailTaken" → errors.specific.emailTaken (with the error's params);
  // anything else (zod's own, already localized) passes through.
  const translate = (m: string): string => {
    try {
      if (t.has(`validation.${m}`)) return t(`validation.${m}`);
      if (/^[a-zA-Z_]+(\.[a-zA-Z_]+)+$/.test(m) && t.has(m)) return t(m, err.params);
    } catch {
      // A catalog entry whose params are missing: show the key rather than crash.
    }
    return m;
  };
  const fieldErrors = err.fieldErrors
    ? Object.fromEntries(Object.entries(err.fieldErrors).map(([k, msgs]) => [k, msgs.map(translate)]))
    : undefined;
  // A form-level reason (e.g. "would leave no admin") is more useful than the generic one.
  const formMessage = fieldErrors?._form?.join(" ");
  let message: string = err.code;
  try {
    message = formMessage || (t.has(err.code) ? t(err.code, err.params) : err.code);
  } catch {
    message = err.code;
  }
  return { ok: false, error: { code: err.code, message, fieldErrors } };
}

/** zod's built-in messages in the request's language, for schemas that set none. */
async function zodErrorMap(): Promise<z.core.$ZodErrorMap | undefined> {
  const locale = await getLocale().catch(() => "en");
  return locale === "zh-CN" ? z.locales.zhCN().localeError : undefined;
}

export function defineAction<S extends z.ZodType, T>(
  permission: Permission,
  schema: S,
  handler: (input: z.output<S>, ctx: ActionContext) => Promise<T>,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (input) => {
    try {
      const user = await getSessionUser();
      if (!user) throw new AppError("unauthorized", "no session");
      if (!can(user.role, permission)) {
        throw new AppError("forbidden", `${user.email} (${user.role}) lacks ${permission}`);
      }
      // A NUL byte would reach PostgreSQL and fail there as a 500: refuse it, naming the field.
      const nul = findNulByte(input);
      if (nul !== null) throw new AppError("invalid_input", `NUL byte in ${nul || "input"}`, { fieldErrors: { [nul || "_form"]: [NUL_BYTE_MESSAGE] } });
      const parsed = schema.safeParse(input, { error: await zodErrorMap() });
      if (!parsed.success) {
        throw new AppError("invalid_input", "validation failed", { fieldErrors: zodFieldErrors(parsed.error) });
      }
      const ctx: ActionContext = { user, ...(await requestContext()) };
      return { ok: true, data: await handler(parsed.data, ctx) };
    } catch (e) {
      return errorResult(e);
    }
  };
}
