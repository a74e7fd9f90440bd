import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { listEnrollTokens } from "@/lib/enroll/tokens";
import { isLost, lostAfterFromEnv } from "@/lib/fleet/lost";
import { gatewayErrorLineFor, gatewaysForRole, listGatewaysWithStatus } from "@/lib/gateways/registry";
import { getGatewaySyncSummaries } from "@/lib/reconcile/status";
import { reconcileIntervalFromEnv } from "@/lib/reconcile/runner";
import { can } from "@/lib/rbac";
import { CardTable } from "../_components/data-table";
import { DateTime } from "../_components/date-time";
import { Badge, EmptyState, PageHeader } from "../_components/states";
import { EnrollTokens } from "./_components/enroll-tokens";
import { GatewayFormButton } from "./_components/gateway-form";
import { GatewayRowActions } from "./_components/gateway-row-actions";
import { GatewaySyncCell } from "./_components/gateway-sync";
import { ReconcileButton } from "./_components/reconcile-button";
import { GatewayStatusCell } from "./_components/gateway-status";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("gateways");
  return { title: t("title") };
}

export default async function GatewaysPage(_props: PageProps<"/gateways">) {
  const user = await requirePermission("gateways.read");
  const canWrite = can(user.role, "gateways.write");
  const [t, tSync, all, allSyncs] = await Promise.all([getTranslations("gateways"), getTranslations("reconcile"), listGatewaysWithStatus(), getGatewaySyncSummaries(db)]);
  // Error details (possibly the body of whatever answers at a wrong admin URL) only for ADMIN.
  const gateways = gatewaysForRole(user.role, all);
  const enrollTokens = canWrite ? await listEnrollTokens(db) : [];
  const lostAfterMs = lostAfterFromEnv();
  const groups = [...new Set(gateways.map((g) => g.group))].sort().map((group) => ({ group, count: gateways.filter((g) => g.group === group).length }));
  const syncs = allSyncs.map((s) => ({ ...s, failing: s.failing.map((f) => ({ ...f, error: gatewayErrorLineFor(user.role, f.error) })) }));
  return (
    <>
      <PageHeader
        title={t("title")}
        description={
          <>
            {t("description")} {tSync("hint", { seconds: Math.round(reconcileIntervalFromEnv() / 1000) })}
          </>
        }
        actions={
          canWrite ? (
            <>
              <ReconcileButton />
              <GatewayFormButton mode="create" />
            </>
          ) : null
        }
      />
      {gateways.length === 0 ? (
        <EmptyState title={t("empty.title")}>{canWrite ? t("empty.admin") : t("empty.reader")}</EmptyState>
      ) : (
        <CardTable testId="gateways-table" columns={[t("columns.name"), t("columns.group"), t("columns.adminUrl"), t("columns.status"), tSync("column"), t("columns.lastSeen"), canWrite ? { right: t("columns.actions") } : null]}>
          {gateways.map(({ probe, ...g }) => (
            <tr key={g.id} data-testid={`gateway-row-${g.name}`}>
              <td className="font-medium">
                {g.name} {g.enrolledAt ? <Badge>{t("enrolled")}</Badge> : null}
              </td>
              <td className="font-mono text-xs" data-testid="gateway-group">{g.group}</td>
              <td className="font-mono text-xs break-all">{g.adminUrl}</td>
              <td>
                <GatewayStatusCell probe={probe} />
                {isLost({ lastSeenAt: g.lastSeenAt, reachable: probe.reachable }, lostAfterMs) ? (
                  <Badge tone="red" title={t("lostHint", { minutes: Math.round(lostAfterMs / 60_000) })}>
                    <span data-testid="gateway-lost">{t("lost")}</span>
                  </Badge>
                ) : null}
              </td>
              <td>
                <GatewaySyncCell summary={syncs.find((s) => s.gatewayId === g.id)} />
              </td>
              <td className="text-xs whitespace-nowrap text-slate-600">
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
      )}
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
      {canWrite ? (
        <div className="mt-6">
          <EnrollTokens tokens={enrollTokens} portalUrl={process.env.NEXTAUTH_URL ?? "https://portal.example.com"} />
        </div>
      ) : null}
    </>
  );
}
