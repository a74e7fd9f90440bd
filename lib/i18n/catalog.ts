// Loads a locale's messages: every messages/<locale>/<namespace>.json, merged under its
// namespace. Helpers add a namespace by dropping a file in; nothing to register.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Locale } from "./locales";

export type Messages = { [key: string]: string | Messages };

const MESSAGES_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), "messages");
const cache = new Map<string, Messages>();

export function loadMessages(locale: Locale, dir: string = MESSAGES_DIR): Messages {
  const cacheKey = `${dir}\0${locale}`;
  const cached = process.env.NODE_ENV === "production" ? cache.get(cacheKey) : undefined;
  if (cached) return cached;
  const folder = path.join(dir, locale);
  const messages: Messages = {};
  for (const file of readdirSync(/*turbopackIgnore: true*/ folder).filter((f) => f.endsWith(".json")).sort()) {
    const namespace = file.slice(0, -".json".length);
    try {
      messages[namespace] = JSON.parse(readFileSync(path.join(/*turbopackIgnore: true*/ folder, file), "utf8")) as Messages;
    } catch (e) {
      throw new Error(`messages/${locale}/${file} is not valid JSON: ${(e as Error).message}`);
    }
  }
  cache.set(cacheKey, messages);
  return messages;
}

/** Every leaf key as "namespace.a.b", for parity checks. */
export function flattenKeys(messages: Messages, prefix = ""): string[] {
  return Object.entries(messages).flatMap(([k, v]) =>
    typeof v === "string" ? [`${prefix}${k}`] : flattenKeys(v, `${prefix}${k}.`),
  );
}
