"use client";

import { useTranslations } from "next-intl";
import type { GatewaysLive } from "@/lib/gateways/live";
import { useGatewaysLive } from "@/lib/swr/use-gateways-live";
import { CardTable } from "../../_components/data-table";
import { DateTime } from "../../_components/date-time";
import { Badge, EmptyState } from "../../_components/states";
import { GatewayRowActions } from "./gateway-row-actions";
import { GatewayStatusCell } from "./gateway-status";
import { GatewaySyncCell } from "./gateway-sync";

/**
 * The gateways, their groups and sync state, updated by polling: a gateway that goes down,
 * comes back, is lost or enrolls shows without a reload.
 */
export function GatewaysTable({ initial, canWrite }: { initial: GatewaysLive; canWrite: boolean }) {
  const t = useTranslations("gateways");
  const tSync = useTranslations("reconcile");
  const { data } = useGatewaysLive(initial);
  const { gateways, groups, lostAfterMs } = data;
  if (gateways.length === 0) return <EmptyState title={t("empty.title")}>{canWrite ? t("empty.admin") : t("empty.reader")}</EmptyState>;
  return (
    <>
      <CardTable testId="gateways-table" columns={[t("columns.name"), t("columns.group"), t("columns.adminUrl"), t("columns.status"), tSync("column"), t("columns.lastSeen"), canWrite ? { right: t("columns.actions") } : null]}>
        {gateways.map((g) => (
          <tr key={g.id} data-testid={`gateway-row-${g.name}`}>
            <td className="font-medium">
              {g.name} {g.enrolledAt ? <Badge>{t("enrolled")}</Badge> : null}
            </td>
            <td className="font-mono text-xs" data-testid="gateway-group">{g.group}</td>
            <td className="font-mono text-xs break-all">{g.adminUrl}</td>
            <td>
              <GatewayStatusCell probe={g.probe} />
              {g.lost ? (
                <Badge tone="red" title={t("lostHint", { minutes: Math.round(lostAfterMs / 60_000) })}>
                  <span data-testid="gateway-lost">{t("lost")}</span>
                </Badge>
              ) : null}
            </td>
            <td>
              <GatewaySyncCell summary={g.sync} />
            </td>
            <td className="text-xs whitespace-nowrap text-slate-600" data-testid="gateway-last-seen">
              {g.lastSeenAt ? <DateTime value={g.lastSeenAt} /> : <Badge>{t("neverSeen")}</Badge>}
            </td>
            {canWrite ? (
              <td className="text-right">
                <GatewayRowActions gateway={{ id: g.id, name: g.name, adminUrl: g.adminUrl, proxyUrl: g.proxyUrl, group: g.group }} />
              </td>
            ) : null}
          </tr>
        ))}
      </CardTable>
      {groups.length > 1 || (groups[0] && groups[0].group !== "default") ? (
        <div className="mt-4 flex flex-wrap gap-2 text-sm" data-testid="gateway-groups">
          <span className="font-medium">{t("groupsTitle")}:</span>
          {groups.map((g) => (
            <Badge key={g.group}>
              {g.group} · {t("groupMembers", { count: g.count })}
            </Badge>
          ))}
        </div>
      ) : null}
    </>
  );
}
