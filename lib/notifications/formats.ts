// Built-in formats: how one payload becomes the request a receiver understands.
//  - generic: the payload as JSON (openapi `webhooks:`).
//  - slack: an incoming webhook message ({ text }, with the title in bold).
//  - feishu: a Feishu/Lark custom bot text message; with the bot's sign secret the body also
//    carries { timestamp (s), sign }.
//  - dingtalk: a DingTalk robot markdown message; with the robot's sign secret the URL gets
//    &timestamp=<ms>&sign=<urlencoded> appended.
// Every request also carries the X-Graylane-* headers (signature over the exact body sent).
import type { WebhookFormatName } from "./constants";
import type { NotificationPayload } from "./events";
import { dingtalkSign, feishuSign, signBody } from "./signer";
import { chatText } from "./text";

export { WEBHOOK_FORMATS, type WebhookFormatName } from "./constants";

export type OutgoingRequest = { url: string; body: string; headers: Record<string, string> };

export type FormatTarget = { format: WebhookFormatName; url: string; secret: string; signSecret: string | null; locale: string };

export function formatBody(target: FormatTarget, p: NotificationPayload, now: number): { url: string; body: unknown } {
  if (target.format === "generic") return { url: target.url, body: p };
  const { title, text } = chatText(p, target.locale);
  switch (target.format) {
    case "slack":
      return { url: target.url, body: { text: `*${title}*\n${text}` } };
    case "feishu": {
      const seconds = Math.floor(now / 1000);
      const sign = target.signSecret ? { timestamp: String(seconds), sign: feishuSign(target.signSecret, seconds) } : {};
      return { url: target.url, body: { ...sign, msg_type: "text", content: { text: `${title}\n${text}` } } };
    }
    case "dingtalk": {
      let url = target.url;
      if (target.signSecret) {
        const u = new URL(url);
        u.searchParams.set("timestamp", String(now));
        u.searchParams.set("sign", dingtalkSign(target.signSecret, now));
        url = u.toString();
      }
      return { url, body: { msgtype: "markdown", markdown: { title, text: `#### ${title}\n\n${text.replace(/\n/g, "\n\n")}` } } };
    }
  }
}

export function buildRequest(target: FormatTarget, p: NotificationPayload, deliveryId: string, now = Date.now()): OutgoingRequest {
  const { url, body } = formatBody(target, p, now);
  const raw = JSON.stringify(body);
  const timestamp = Math.floor(now / 1000);
  return {
    url,
    body: raw,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": "Graylane-Webhook/1",
      "x-graylane-event": p.type,
      "x-graylane-event-id": p.id,
      "x-graylane-delivery": deliveryId,
      "x-graylane-timestamp": String(timestamp),
      "x-graylane-signature": signBody(target.secret, timestamp, raw),
    },
  };
}
