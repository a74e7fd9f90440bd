import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { listWebhooks } from "@/lib/notifications/webhooks";
import { can } from "@/lib/rbac";
import { CardTable } from "../../_components/data-table";
import { Badge, EmptyState, PageHeader } from "../../_components/states";
import { WebhookFormButton } from "./_components/webhook-form";
import { WebhookRowActions } from "./_components/webhook-row-actions";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("notifications");
  return { title: t("title") };
}

export default async function NotificationsPage(_props: PageProps<"/settings/notifications">) {
  const user = await requirePermission("webhooks.read");
  const canWrite = can(user.role, "webhooks.write");
  const [t, hooks] = await Promise.all([getTranslations("notifications"), listWebhooks(db)]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={canWrite ? <WebhookFormButton mode="create" /> : null} />
      {hooks.length === 0 ? (
        <EmptyState title={t("empty")} />
      ) : (
        <CardTable testId="webhooks-table" columns={[t("columns.name"), t("columns.format"), t("columns.url"), t("columns.scope"), t("columns.events"), { right: t("columns.actions") }]}>
          {hooks.map((w) => (
            <tr key={w.id} data-testid={`webhook-row-${w.name}`}>
              <td className="font-medium">
                <Link className="underline" href={`/settings/notifications/${encodeURIComponent(w.id)}`}>
                  {w.name}
                </Link>{" "}
                {w.enabled ? null : <Badge tone="amber">{t("disabled")}</Badge>}
              </td>
              <td>{t(`formats.${w.format as "generic"}`)}</td>
              <td className="font-mono text-xs break-all">{w.urlDisplay}</td>
              <td>{w.serviceName ?? t("allServices")}</td>
              <td className="text-xs">{w.events.map((e) => t(`events.${e as "release.step"}`)).join(", ")}</td>
              <td className="text-right whitespace-nowrap">
                <Link className="btn btn-sm" href={`/settings/notifications/${encodeURIComponent(w.id)}`}>
                  {t("log")}
                </Link>{" "}
                {canWrite ? <WebhookRowActions webhook={w} /> : null}
              </td>
            </tr>
          ))}
        </CardTable>
      )}
    </>
  );
}
