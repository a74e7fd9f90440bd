// Where webhooks may point. Webhooks are managed by ADMINs only, and chat robots live on the
// internet while in-house receivers often live next to the portal, so by default any http(s)
// URL is accepted. GRAYLANE_WEBHOOK_ALLOW (CIDRs, like GRAYLANE_GATEWAY_ALLOW) restricts the
// addresses the portal connects to for deliveries: checked after DNS resolution at every
// delivery, before connecting, so a name later pointed at an internal address is refused too.
// Redirects are never followed.
import { parseCidrList, type AddressList } from "@/lib/address-policy";

export function webhookAllowList(env: NodeJS.ProcessEnv = process.env): AddressList | null {
  return parseCidrList(env.GRAYLANE_WEBHOOK_ALLOW, "GRAYLANE_WEBHOOK_ALLOW");
}

/** The URL when it is an absolute http(s) URL without credentials, else the reason. */
export function checkWebhookUrl(raw: string): { ok: true; url: URL } | { ok: false; reason: "scheme" | "invalid" | "credentials" } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "invalid" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, reason: "scheme" };
  if (url.username || url.password) return { ok: false, reason: "credentials" };
  if (!url.hostname) return { ok: false, reason: "invalid" };
  return { ok: true, url };
}

/** What may be shown of a webhook URL: scheme, host and port (robot tokens sit in the path or query). */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}/…`;
}
