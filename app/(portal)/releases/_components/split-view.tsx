"use client";

import { useTranslations } from "next-intl";
import type { SplitPreview } from "@/lib/releases/plan";

/** Stable pool, gray pool, who reaches gray and the expected share, for one state of a service. */
export function SplitView({ split, title, testId }: { split: SplitPreview; title?: string; testId?: string }) {
  const t = useTranslations("releases.preview");
  const r = split.reaches;
  const who = [
    r.tester ? t("tester") : null,
    r.header ? t("header", { name: r.header.name, value: r.header.value }) : null,
    r.cookie ? t("cookie", { name: r.cookie.name, value: r.cookie.value }) : null,
    r.cidrs.length ? t("cidrs", { cidrs: r.cidrs.join(", ") }) : null,
    r.percent > 0 ? t("percent", { percent: r.percent }) : null,
  ].filter(Boolean);
  return (
    <div className="space-y-1 text-sm" data-testid={testId}>
      {title ? <p className="font-medium">{title}</p> : null}
      <p>
        <span className="text-slate-500">{t("stable")}:</span>{" "}
        <span data-testid="split-stable">{split.stable.length ? split.stable.map((n) => n.addr).join(", ") : t("none")}</span>
      </p>
      <p>
        <span className="text-slate-500">{t("gray")}:</span>{" "}
        <span data-testid="split-gray">{split.gray.length ? split.gray.map((n) => n.addr).join(", ") : t("none")}</span>
      </p>
      {split.idle.length ? (
        <p>
          <span className="text-slate-500">{t("idle")}:</span> {split.idle.map((n) => n.addr).join(", ")}
        </p>
      ) : null}
      <p>
        <span className="text-slate-500">{t("reaches")}:</span> {split.gray.length && who.length ? who.join("; ") : t("nobody")}
      </p>
      {split.gray.length && (r.header || r.cookie) ? (
        <p role="alert" className="rounded border border-amber-300 bg-amber-50 px-2 py-1 text-xs text-amber-900" data-testid="static-matcher-warning">
          {t("staticWarning", { matchers: staticMatcherText(r, t) })}
        </p>
      ) : null}
      <p data-testid="split-expected">{t("expected", { percent: split.expectedGrayPercent })}</p>
    </div>
  );
}

/** "the header X-Gray: 1" / "the cookie gray=1", joined: what anyone can send to reach gray. */
export function staticMatcherText(
  r: { header: { name: string; value: string } | null; cookie: { name: string; value: string } | null },
  t: (key: "staticHeader" | "staticCookie", values: { name: string; value: string }) => string,
): string {
  return [r.header ? t("staticHeader", r.header) : null, r.cookie ? t("staticCookie", r.cookie) : null].filter(Boolean).join(" / ");
}
