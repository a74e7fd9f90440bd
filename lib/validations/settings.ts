import { z } from "zod";
import { LOCALES, isTimeZone } from "@/lib/i18n/locales";

// Messages are keys of the `errors.validation` catalog (translated in safe-action).

export const setLocaleSchema = z.object({ locale: z.enum(LOCALES, { error: "locale" }) });

export const updateProfileSchema = z.object({
  name: z.string().trim().max(100, { error: "nameTooLong" }),
  locale: z.union([z.enum(LOCALES), z.literal("")], { error: "locale" }),
  timeZone: z.string().trim().refine((v) => v === "" || isTimeZone(v), { error: "timeZone" }),
});

export const createApiTokenSchema = z.object({
  name: z.string().trim().min(1, { error: "required" }).max(64, { error: "tokenNameTooLong" }),
  expiresInDays: z.coerce.number().int().min(0, { error: "expiresInDays" }).max(3650, { error: "expiresInDays" }).default(0),
});

export const revokeApiTokenSchema = z.object({ id: z.string().min(1) });
