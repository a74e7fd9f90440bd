import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { getServicesOverview, type ServicesOverview, type ServiceSummary } from "@/lib/services/live";
import { Badge, EmptyState, PageHeader } from "../_components/states";
import { AdoptButton } from "./_components/adopt-button";
import { DriftBadge, NodeStateBadge, UnreachableBadge } from "./_components/badges";
import { ServiceRate } from "./_components/live-rate";

export default async function ServicesPage(props: PageProps<"/services">) {
  const user = await requirePermission("services.read");
  const t = await getTranslations("services");
  const sp = await props.searchParams;
  const q = typeof sp.q === "string" ? sp.q.slice(0, 64) : "";
  const page = typeof sp.page === "string" && /^\d{1,6}$/.test(sp.page) ? Number(sp.page) : 1;
  const overview = await getServicesOverview(db, { q, page });
  const canWrite = can(user.role, "services.write");

  return (
    <div className="space-y-6">
      <PageHeader
        title={t("overview.title")}
        description={t("overview.description")}
        actions={
          canWrite ? (
            <Link href="/services/new" className="btn btn-primary">
              {t("overview.new")}
            </Link>
          ) : null
        }
      />

      <section aria-label={t("overview.gateways")} className="flex flex-wrap items-center gap-2 text-sm">
        <span className="text-slate-500">{t("overview.gateways")}:</span>
        {overview.gateways.length === 0 ? (
          <span className="text-slate-500">
            {t("overview.noGateways")} <Link href="/gateways" className="underline">{t("overview.addGateway")}</Link>
          </span>
        ) : (
          overview.gateways.map((g) => (
            <span key={g.gatewayId} className="inline-flex items-center gap-1" data-testid={`gateway-reach-${g.gatewayName}`}>
              <span className="font-medium">{g.gatewayName}</span>
              {g.reachable ? <Badge tone="green">{t("gateway.reachable")}</Badge> : <UnreachableBadge error={g.error} />}
            </span>
          ))
        )}
      </section>

      <form method="get" className="flex flex-wrap items-center gap-2" role="search">
        <input
          type="search"
          name="q"
          defaultValue={q}
          maxLength={64}
          placeholder={t("overview.searchPlaceholder")}
          aria-label={t("overview.search")}
          className="input w-full sm:w-72"
        />
        <button type="submit" className="btn">
          {t("overview.search")}
        </button>
      </form>

      {overview.services.length === 0 ? (
        q ? (
          <EmptyState title={t("overview.noMatch", { q })} />
        ) : (
          <EmptyState title={t("overview.empty")}>{canWrite ? t("overview.emptyHint") : null}</EmptyState>
        )
      ) : (
        <>
          <ul className="grid gap-3" data-testid="service-list">
            {overview.services.map((s) => (
              <ServiceCard key={s.name} s={s} />
            ))}
          </ul>
          <Pager overview={overview} q={q} />
        </>
      )}

      {overview.unmanaged.length > 0 ? (
        <section className="space-y-3" data-testid="unmanaged">
          <h2 className="text-lg font-semibold">{t("unmanaged.title")}</h2>
          <p className="text-sm text-slate-500">{t("unmanaged.description")}</p>
          <ul className="grid gap-2">
            {overview.unmanaged.map((u) => (
              <li key={u.name} className="flex flex-wrap items-center justify-between gap-2 rounded-lg border border-slate-200 bg-white px-4 py-3">
                <div className="min-w-0">
                  <span className="font-medium">{u.name}</span> <Badge tone="amber">{t("unmanaged.badge")}</Badge>
                  {u.gateways.some((g) => g.managedBy) ? <span className="ml-1 text-xs text-slate-500">{t("unmanaged.markedManaged", { manager: u.gateways.find((g) => g.managedBy)!.managedBy! })}</span> : null}
                  <p className="text-xs text-slate-500">
                    {u.gateways.map((g) => t("unmanaged.foundOn", { gateway: g.gatewayName, nodes: g.nodes })).join(" · ")}
                  </p>
                </div>
                {canWrite ? <AdoptButton service={u.name} gateways={u.gateways.map((g) => ({ id: g.gatewayId, name: g.gatewayName }))} /> : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

async function Pager({ overview, q }: { overview: ServicesOverview; q: string }) {
  const t = await getTranslations("services");
  const { page, pageSize, total } = overview;
  const href = (p: number) => `/services?${new URLSearchParams({ ...(q ? { q } : {}), page: String(p) }).toString()}`;
  return (
    <nav className="flex flex-wrap items-center justify-between gap-2 text-sm" aria-label={t("overview.pages")} data-testid="services-pager">
      <span className="text-slate-500">
        {t("overview.range", { from: (page - 1) * pageSize + 1, to: Math.min(page * pageSize, total), total })}
      </span>
      <span className="flex gap-2">
        {page > 1 ? (
          <Link href={href(page - 1)} className="btn">
            {t("overview.previous")}
          </Link>
        ) : null}
        {page * pageSize < total ? (
          <Link href={href(page + 1)} className="btn">
            {t("overview.next")}
          </Link>
        ) : null}
      </span>
    </nav>
  );
}

async function ServiceCard({ s }: { s: ServiceSummary }) {
  const t = await getTranslations("services");
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-4" data-testid={`service-${s.name}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex min-w-0 flex-wrap items-center gap-2">
          <Link href={`/services/${encodeURIComponent(s.name)}`} className="text-base font-semibold text-slate-900 underline-offset-2 hover:underline">
            {s.name}
          </Link>
          <span className="text-xs text-slate-500">{t(`algorithm.${s.algorithm}`)}</span>
          {s.groups?.map((g) => (
            <Badge key={g} title={t("groupsColumn")}>
              {g}
            </Badge>
          ))}
          {s.outOfSync ? <Badge tone="red">{t("sync.outOfSync")}</Badge> : null}
          {s.drifted ? <Badge tone="amber">{t("drift.badge")}</Badge> : null}
        </div>
        <div className="text-sm text-slate-700">
          <ServiceRate service={s.name} />
        </div>
      </div>
      <div className="mt-2 flex flex-wrap items-center gap-1.5 text-xs">
        <span className="text-slate-500">{t("overview.nodes", { count: s.counts.total })}</span>
        {(["active", "gray", "draining", "down"] as const).map((st) =>
          s.counts[st] ? (
            <span key={st} className="inline-flex items-center gap-1">
              <NodeStateBadge state={st} />
              <span className="tabular-nums">{s.counts[st]}</span>
            </span>
          ) : null,
        )}
        {s.counts.backup ? <span className="text-slate-500">{t("overview.backups", { count: s.counts.backup })}</span> : null}
      </div>
      {s.gateways.length ? (
        <ul className="mt-3 grid gap-1 text-xs sm:grid-cols-2 lg:grid-cols-3">
          {s.gateways.map((g) => (
            <li key={g.gatewayId} className="flex flex-wrap items-center gap-1.5" data-testid={`live-${s.name}-${g.gatewayName}`}>
              <span className="font-medium text-slate-700">{g.gatewayName}</span>
              {!g.reachable ? (
                <UnreachableBadge error={g.error} />
              ) : (
                <>
                  {g.live ? (
                    <span className="text-slate-600">{t("overview.liveCounts", { active: g.live.active, total: g.live.total })}</span>
                  ) : null}
                  {g.drift ? <DriftBadge kind={g.drift.kind} /> : null}
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
