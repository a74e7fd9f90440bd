import { getTranslations } from "next-intl/server";
import type { Drift, DriftChange } from "@/lib/services/state";

/** Differences listed per gateway; the rest is counted (a whole 512-node list can differ). */
const SHOWN = 12;

/**
 * What one gateway holds that the portal did not push, portal value first:
 * "127.0.0.1:8082: weight 1 → 5", "node 127.0.0.1:8090 only on the gateway", and the
 * revision when the gateway is ahead of the database or behind it.
 */
export async function DriftDetails({ drift, desiredRevision }: { drift: Drift; desiredRevision: number }) {
  const t = await getTranslations("services.drift.change");
  const ts = await getTranslations("services.state");
  const value = (v: string | number | boolean | null, field?: string): string => {
    if (v === null || v === "") return t("off");
    if (typeof v === "boolean") return t(v ? "yes" : "no");
    if (field === "state" && typeof v === "string" && ts.has(v)) return ts(v);
    return String(v);
  };
  const line = (c: DriftChange): string => {
    switch (c.kind) {
      case "node_missing":
      case "node_extra":
        return t(c.kind, { addr: c.addr });
      case "node":
        return t("node", { addr: c.addr, field: t(`nodeField.${c.field}`), desired: value(c.desired, c.field), live: value(c.live, c.field) });
      case "gray":
        return t("gray", { part: t(`grayPart.${c.part}`), desired: value(c.desired), live: value(c.live) });
      case "algorithm":
      case "health":
        return t(c.kind, { desired: value(c.desired), live: value(c.live) });
      case "managed_by":
        return t("managed_by", { live: value(c.live) });
    }
  };
  const lines: string[] = [];
  if ((drift.kind === "ahead" || drift.kind === "revision") && drift.liveRevision !== desiredRevision) {
    lines.push(t("revision", { desired: desiredRevision, live: drift.liveRevision ?? "—" }));
  }
  lines.push(...drift.changes.map(line));
  if (!lines.length) return null;
  const hidden = lines.length - SHOWN;
  return (
    <details className="mt-1 w-full text-xs text-slate-600" open={lines.length <= 4} data-testid="drift-details">
      <summary className="cursor-pointer text-slate-500">{t("title")}</summary>
      <ul className="mt-1 list-disc space-y-0.5 pl-4 font-mono break-all">
        {lines.slice(0, SHOWN).map((l, i) => (
          <li key={i}>{l}</li>
        ))}
        {hidden > 0 ? <li className="list-none font-sans">{t("more", { count: hidden })}</li> : null}
      </ul>
    </details>
  );
}
