"use client";

import { createApiTokenAction } from "@/lib/actions/create-api-token";
import { revokeApiTokenAction } from "@/lib/actions/revoke-api-token";
import type { ApiTokenView } from "@/lib/api-tokens";
import { DateTime } from "../../_components/date-time";
import { type TokenColumn, TokenList } from "../../_components/token-list";

const COLUMNS: TokenColumn<ApiTokenView>[] = [{ key: "created", className: "text-xs text-slate-600", cell: (tok) => <DateTime value={tok.createdAt} /> }];

export function ApiTokens({ tokens }: { tokens: ApiTokenView[] }) {
  return (
    <div className="space-y-5">
      <TokenList
        tokens={tokens}
        namespace="settings.tokens"
        createAction={createApiTokenAction}
        revokeAction={revokeApiTokenAction}
        defaultExpiresInDays="90"
        testIdPrefix="api-token"
        columns={COLUMNS}
      />
    </div>
  );
}
