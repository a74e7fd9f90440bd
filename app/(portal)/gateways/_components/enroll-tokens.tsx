"use client";

import { useTranslations } from "next-intl";
import { createEnrollTokenAction, revokeEnrollTokenAction } from "@/lib/enroll/actions";
import type { EnrollTokenView } from "@/lib/enroll/tokens";
import { DateTime } from "../../_components/date-time";
import { type TokenColumn, TokenList } from "../../_components/token-list";

const COLUMNS: TokenColumn<EnrollTokenView>[] = [
  {
    key: "createdBy",
    className: "text-xs text-slate-600",
    cell: (tok) => (
      <>
        {tok.createdByEmail}
        <br />
        <DateTime value={tok.createdAt} />
      </>
    ),
  },
  { key: "gateways", className: "text-sm", cell: (tok) => tok.gateways },
];

/** ADMIN only (the page renders it for gateways.write; the actions check again on the server). */
export function EnrollTokens({ tokens, portalUrl }: { tokens: EnrollTokenView[]; portalUrl: string }) {
  const t = useTranslations("gateways.enroll");
  return (
    <section className="card space-y-4 p-4" data-testid="enroll-tokens">
      <div>
        <h2 className="text-base font-semibold">{t("title")}</h2>
        <p className="text-sm text-slate-600">{t("description")}</p>
      </div>
      <TokenList
        tokens={tokens}
        namespace="gateways.enroll"
        createAction={createEnrollTokenAction}
        revokeAction={revokeEnrollTokenAction}
        defaultExpiresInDays="0"
        testIdPrefix="enroll-token"
        columns={COLUMNS}
        createdNote={<pre className="overflow-x-auto rounded bg-slate-100 p-2 text-xs">{`GRAYLANE_PORTAL_URL=${portalUrl} GRAYLANE_ENROLL_TOKEN=<token> GRAYLANE_GATEWAY_GROUP=default npm run gateway`}</pre>}
      />
    </section>
  );
}
