// The one-line text the chat formats (Slack, Feishu/Lark, DingTalk) post, in the webhook's
// language, from messages/<locale>/notifications.json (chat.*) and, for automatic rollbacks,
// the same reason texts as the release page (releases.autoRollback.*).
import { loadMessages, type Messages } from "@/lib/i18n/catalog";
import type { Locale } from "@/lib/i18n/locales";
import type { RollbackReason } from "@/lib/releases/analysis";
import { rollbackReasonText } from "@/lib/releases/reason-text";
import { WEBHOOK_LOCALES } from "./constants";
import type { NotificationPayload } from "./events";

function lookup(messages: Messages, key: string): string {
  let node: string | Messages | undefined = messages;
  for (const part of key.split(".")) node = typeof node === "object" ? node[part] : undefined;
  return typeof node === "string" ? node : key;
}

/** Plain "{name}" interpolation: the chat texts use no plural or select forms. */
function fill(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (values[k] === undefined || values[k] === null ? m : String(values[k])));
}

export function chatText(p: NotificationPayload, locale: string): { title: string; text: string } {
  const messages = loadMessages((WEBHOOK_LOCALES as readonly string[]).includes(locale) ? (locale as Locale) : "en");
  const t = (key: string, values: Record<string, unknown> = {}) => fill(lookup(messages, key), values);
  const values = {
    service: p.service ?? "",
    version: p.release?.version ?? p.release?.id ?? "",
    percent: p.release?.percent ?? 0,
    targets: p.release?.targets?.join(", ") ?? "",
    actor: p.actor?.email ?? "",
    gateway: p.gateway?.name ?? "",
    since: p.gateway?.outOfSyncSince ?? "",
    error: p.gateway?.lastError ?? p.gateway?.failing.map((f) => `${f.service}: ${f.error ?? "?"}`).join("; ") ?? "",
  };
  const change = p.approval ? (p.approval.kind === "promote" ? t("notifications.chat.change.promote") : t("notifications.chat.change.step", { percent: p.approval.percent })) : "";
  let key: string = `notifications.chat.${p.type}`;
  let reason = "";
  if (p.type === "release.rolled_back" && p.reason?.automatic) {
    key = "notifications.chat.release.rolled_back_auto";
    const parts = p.reason.codes.map((r) =>
      rollbackReasonText((k, v) => t(`releases.autoRollback.${k}`, v), r as unknown as RollbackReason),
    );
    reason = parts.length ? parts.join(t("releases.autoRollback.separator")) : p.reason.text ?? t("releases.autoRollback.unknown");
  } else if (p.type === "release.rolled_back") {
    reason = p.reason?.text ?? "";
  }
  const title = t(`${key}.title`, values);
  let text = t(`${key}.text`, { ...values, reason, change });
  if (p.url) text += `\n${p.url}`;
  return { title, text };
}
