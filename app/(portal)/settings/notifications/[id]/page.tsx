import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { listDeliveries, viewOf } from "@/lib/notifications/webhooks";
import { can } from "@/lib/rbac";
import { PageHeader } from "../../../_components/states";
import { DeliveryLog } from "../_components/delivery-log";
import { WebhookRowActions } from "../_components/webhook-row-actions";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("notifications");
  return { title: t("log") };
}

export default async function WebhookLogPage(props: PageProps<"/settings/notifications/[id]">) {
  const user = await requirePermission("webhooks.read");
  const { id } = await props.params;
  const row = await db.webhook.findUnique({ where: { id } });
  if (!row) notFound();
  const w = viewOf(row);
  const [t, deliveries] = await Promise.all([getTranslations("notifications"), listDeliveries(db, id)]);
  return (
    <>
      <PageHeader
        title={`${w.name} · ${t("log")}`}
        description={
          <>
            <Link className="underline" href="/settings/notifications">
              {t("back")}
            </Link>{" "}
            · {t(`formats.${w.format as "generic"}`)} · <span className="font-mono text-xs">{w.urlDisplay}</span>
          </>
        }
        actions={can(user.role, "webhooks.write") ? <WebhookRowActions webhook={w} /> : null}
      />
      <div className="card overflow-x-auto">
        <DeliveryLog webhookId={w.id} initial={deliveries} />
      </div>
    </>
  );
}
