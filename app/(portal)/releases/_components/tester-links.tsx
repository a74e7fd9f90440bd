"use client";

import { useTranslations } from "next-intl";
import type { TesterLink } from "@/lib/releases/tester";
import { useToast } from "../../_components/toaster";

/** `expires` is formatted on the server in the user's zone (a browser's own zone would differ and break hydration). */
export function TesterLinks({ links, service, expires, testerKeyMissing = false }: { links: TesterLink[]; service: string; expires: string; testerKeyMissing?: boolean }) {
  const t = useTranslations("releases.tester");
  const toast = useToast();
  const copy = async (text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      toast.show("success", t("copied"));
    } catch {
      // No clipboard permission: the link is on screen to copy by hand.
    }
  };
  return (
    <section className="space-y-2 rounded-lg border border-violet-200 bg-violet-50 p-4 text-sm" data-testid="tester-links">
      <h2 className="font-semibold">{t("title")}</h2>
      <p className="text-slate-700">{t("hint", { service, expires: expires })}</p>
      {testerKeyMissing ? (
        <p role="status" className="text-amber-900" data-testid="tester-key-missing">
          {t("noTesterKey")}
        </p>
      ) : links.length === 0 ? (
        <p>{t("noGateways")}</p>
      ) : null}
      {links.map((l) => (
        <div key={l.gatewayName} className="space-y-1">
          <div className="flex flex-wrap items-center gap-2">
            <a href={l.enter} target="_blank" rel="noreferrer" className="font-medium text-violet-800 underline" data-testid="tester-link">
              {t("enter", { gateway: l.gatewayName })}
            </a>
            <button type="button" className="btn btn-sm" onClick={() => copy(l.enter)}>
              {t("copy")}
            </button>
            <a href={l.leave} target="_blank" rel="noreferrer" className="text-violet-800 underline" data-testid="leave-link">
              {t("leave", { gateway: l.gatewayName })}
            </a>
          </div>
          <code className="block break-all text-xs text-slate-600">{l.enter}</code>
        </div>
      ))}
    </section>
  );
}
