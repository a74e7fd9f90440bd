import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { openReleaseOf } from "@/lib/releases/target-guard";
import { getServiceDetail } from "@/lib/services/live";
import { serviceNameSchema } from "@/lib/validations/service";
import { Badge, EmptyState, PageHeader } from "../../_components/states";
import { AddNodeForm } from "../_components/add-node-form";
import { DeleteServiceButton } from "../_components/delete-service-button";
import { NodeTable } from "../_components/node-table";
import { RetryPushButton } from "../_components/retry-push-button";
import { ServiceSettingsForm } from "../_components/service-settings-form";
import { ServiceGroupsForm } from "../_components/service-groups-form";
import { groupsOf } from "@/lib/fleet/groups";
import { SyncStatus } from "../_components/sync-status";
import { NodeGraphs } from "./_components/node-graphs";
import { ReleaseBanner } from "./_components/release-banner";

export default async function ServicePage({ params }: PageProps<"/services/[name]">) {
  const user = await requirePermission("services.read");
  const parsed = serviceNameSchema.safeParse((await params).name);
  if (!parsed.success) notFound();
  const name = parsed.data;
  const t = await getTranslations("services");
  const detail = await getServiceDetail(db, name);
  if (!detail) notFound();
  const { service } = detail;
  const openRelease = await openReleaseOf(db, service.id);
  const canNodes = can(user.role, "nodes.write");
  const canService = can(user.role, "services.write");
  // Only what the client widgets need: no gateway URLs or tokens.
  const nodes = service.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup }));

  return (
    <div className="space-y-8">
      <div>
        <Link href="/services" className="text-sm text-slate-500 hover:underline">
          ← {t("detail.back")}
        </Link>
        <PageHeader
          title={service.name}
          description={t("detail.summary", { algorithm: t(`algorithm.${service.algorithm}`), revision: service.revision, nodes: service.nodes.length })}
          actions={
            <>
              {detail.outOfSync ? <Badge tone="red">{t("sync.outOfSync")}</Badge> : null}
              {detail.drifted ? <Badge tone="amber">{t("drift.badge")}</Badge> : null}
              {detail.outOfSync && canNodes ? <RetryPushButton service={service.name} /> : null}
              {can(user.role, "releases.write") && !openRelease ? (
                <Link
                  href={`/releases/new?service=${encodeURIComponent(service.name)}`}
                  className="rounded-md bg-slate-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700"
                >
                  {t("detail.startRelease")}
                </Link>
              ) : null}
            </>
          }
        />
      </div>

      {openRelease ? <ReleaseBanner release={openRelease} percent={service.gray.percent} /> : null}

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">{t("nodes.title")}</h2>
        {nodes.length === 0 ? <EmptyState title={t("nodes.empty")}>{canNodes ? t("nodes.emptyHint") : null}</EmptyState> : <NodeTable service={service.name} revision={service.revision} nodes={nodes} canWrite={canNodes} releaseTargets={openRelease?.targets ?? []} />}
        {canNodes ? (
          <div className="rounded-lg border border-slate-200 bg-white p-4">
            <h3 className="mb-3 text-sm font-semibold">{t("addNode.title")}</h3>
            <AddNodeForm service={service.name} revision={service.revision} nodes={nodes} />
          </div>
        ) : null}
      </section>

      {nodes.length ? <NodeGraphs service={service.name} nodes={nodes.map((n) => n.addr)} /> : null}

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">{t("sync.title")}</h2>
        <SyncStatus detail={detail} />
      </section>

      <section className="space-y-3">
        <h2 className="text-lg font-semibold">{t("settings.title")}</h2>
        {canService ? (
          <div className="rounded-lg border border-slate-200 bg-white p-4">
            <ServiceSettingsForm service={service.name} revision={service.revision} algorithm={service.algorithm} gray={service.gray} />
            <ServiceGroupsForm service={service.name} groups={[...groupsOf(service.groups)]} />
          </div>
        ) : (
          <dl className="grid gap-1 text-sm sm:grid-cols-[12rem_1fr]">
            <dt className="text-slate-500">{t("form.algorithm")}</dt>
            <dd>{t(`algorithm.${service.algorithm}`)}</dd>
            <dt className="text-slate-500">{t("form.headerName")}</dt>
            <dd>{service.gray.header ? `${service.gray.header.name}: ${service.gray.header.value}` : t("settings.off")}</dd>
            <dt className="text-slate-500">{t("form.cookieName")}</dt>
            <dd>{service.gray.cookie ? `${service.gray.cookie.name}=${service.gray.cookie.value}` : t("settings.off")}</dd>
            <dt className="text-slate-500">{t("form.cidrs")}</dt>
            <dd>{service.gray.cidrs.length ? service.gray.cidrs.join(", ") : t("settings.off")}</dd>
            <dt className="text-slate-500">{t("form.percent")}</dt>
            <dd>{service.gray.percent}%</dd>
          </dl>
        )}
      </section>

      {canService ? (
        <section className="space-y-2 border-t border-slate-200 pt-6">
          <h2 className="text-sm font-semibold text-red-800">{t("delete.section")}</h2>
          <DeleteServiceButton service={service.name} revision={service.revision} nodes={service.nodes.length} />
        </section>
      ) : null}
    </div>
  );
}
