import { getTranslations } from "next-intl/server";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { getRelease, getTesterLinks, type ReleaseDetail, type TimelineEntry } from "@/lib/releases/read";
import { DateTime } from "../../_components/date-time";
import { Badge, PageHeader } from "../../_components/states";
import { LiveSplit } from "../_components/live-split";
import { ReleaseControls } from "../_components/release-controls";
import { ReleaseStatusBadge } from "../_components/status-badge";
import { SplitView } from "../_components/split-view";
import { hasTesterKey } from "@/lib/releases/tester";
import { TesterLinks } from "../_components/tester-links";
import { NewTesterLink } from "./_components/new-tester-link";

export default async function ReleasePage(props: PageProps<"/releases/[id]">) {
  const user = await requirePermission("releases.read");
  const { id } = await props.params;
  const t = await getTranslations("releases");
  const r = await getRelease(db, id);
  if (!r) notFound();
  const canWrite = can(user.role, "releases.write");
  const open = r.status === "OPEN";
  const links = open && canWrite ? await getTesterLinks(db, r.id) : [];

  return (
    <div className="space-y-6">
      <PageHeader
        title={t("detail.title", { service: r.service, version: r.version })}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <ReleaseStatusBadge status={r.status} />
            <Link href="/releases" className="underline">
              {t("detail.back")}
            </Link>
            <Link href={`/services/${encodeURIComponent(r.service)}`} className="underline">
              {t("detail.serviceLink", { service: r.service })}
            </Link>
          </span>
        }
      />

      <section className="grid gap-4 text-sm sm:grid-cols-2 lg:grid-cols-4" data-testid="release-facts">
        <Fact label={t("detail.targets")}>
          <span className="font-mono">{r.targets.join(", ")}</span>
        </Fact>
        <Fact label={t("detail.steps")}>
          {r.steps.map((s, i) => (
            <span key={i} className={i === r.currentStep ? "font-semibold text-sky-800" : i < r.currentStep ? "text-slate-500" : ""}>
              {i ? " → " : ""}
              {s}%
            </span>
          ))}
        </Fact>
        <Fact label={t("detail.current")}>
          <span data-testid="current-percent">{open ? (r.percent > 0 ? `${r.percent}%` : t("detail.testerOnly")) : "—"}</span>
        </Fact>
        <Fact label={t("list.started")}>
          <DateTime value={r.startedAt} />
          <div className="text-xs text-slate-500">{t("detail.startedBy", { email: r.startedBy })}</div>
          {r.endedAt ? (
            <div className="text-xs text-slate-500">
              {t("detail.endedBy", { email: r.endedBy ?? "" })} · <DateTime value={r.endedAt} />
            </div>
          ) : null}
          {r.endReason ? <div className="text-xs" data-testid="end-reason">{t("detail.endReason", { reason: r.endReason })}</div> : null}
        </Fact>
      </section>
      {r.notes ? (
        <p className="whitespace-pre-wrap text-sm">
          <span className="text-slate-500">{t("detail.notes")}:</span> {r.notes}
        </p>
      ) : null}

      {open && canWrite ? (
        <div className="space-y-2">
          {r.testerExpires && new Date(r.testerExpires).getTime() > Date.now() ? (
            <TesterLinks links={links} service={r.service} expires={r.testerExpires} testerKeyMissing={!hasTesterKey()} />
          ) : (
            <p className="text-sm text-amber-800">{t("tester.expired")}</p>
          )}
          <NewTesterLink id={r.id} />
        </div>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-2">
        {open ? <LiveSplit id={r.id} /> : null}
        {open ? <Analysis r={r} /> : null}
        {!open && r.split ? (
          <section className="rounded-lg border border-slate-200 bg-white p-4">
            <SplitView split={r.split} />
          </section>
        ) : null}
      </div>

      {open && canWrite ? (
        <ReleaseControls id={r.id} service={r.service} version={r.version} currentStep={r.currentStep} nextPercent={r.nextPercent} revision={r.serviceRevision} />
      ) : null}

      <Timeline entries={r.timeline} />
    </div>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <div className="text-xs uppercase text-slate-500">{label}</div>
      <div className="mt-1">{children}</div>
    </div>
  );
}

async function Analysis({ r }: { r: ReleaseDetail }) {
  const t = await getTranslations("releases.analysis");
  const a = r.analysis;
  const tone = a?.status === "healthy" ? "green" : a?.status === "breach" ? "red" : "neutral";
  return (
    <section className="space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm" data-testid="analysis">
      <h2 className="font-semibold">{t("title")}</h2>
      {a?.status && r.percent > 0 ? (
        <p>
          <Badge tone={tone}>{t(a.status)}</Badge>{" "}
          {a.checkedAt ? (
            <span className="text-slate-500">
              {t("checked")}{" "}
              <DateTime value={a.checkedAt} relative />
            </span>
          ) : null}
        </p>
      ) : (
        <p className="text-slate-500">{t("idle")}</p>
      )}
      <p className="text-xs text-slate-500">{t("thresholds")}</p>
      <p className="text-xs text-slate-500">{r.autoAdvance ? t("autoAdvanceOn") : t("autoAdvanceOff")}</p>
    </section>
  );
}

async function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const t = await getTranslations("releases.timeline");
  return (
    <section className="space-y-3">
      <h2 className="text-lg font-semibold">{t("title")}</h2>
      {entries.length === 0 ? (
        <p className="text-sm text-slate-500">{t("empty")}</p>
      ) : (
        <ol className="space-y-2" data-testid="timeline">
          {entries.map((e) => {
            const after = (e.after ?? {}) as { gray?: { percent?: number }; override?: { reason?: string } };
            // next-intl reads "action.release.start" as nested keys (messages: action → release → start).
            const action = t.has(`action.${e.action}`) ? t(`action.${e.action}`) : e.action;
            return (
              <li key={e.id} className="rounded-lg border border-slate-200 bg-white p-3 text-sm" data-testid="timeline-entry" data-action={e.action}>
                <div className="flex flex-wrap items-center gap-2">
                  <Link href={`/audit/${e.id}`} className="font-medium hover:underline">
                    {action}
                  </Link>
                  {typeof after.gray?.percent === "number" ? <span>· {t("percent", { percent: after.gray.percent })}</span> : null}
                  <span className="text-slate-500">· {e.actorRole === "SYSTEM" ? t("system") : `${e.actorEmail} (${e.actorRole})`}</span>
                  <span className="text-slate-500">
                    · <DateTime value={e.at} />
                  </span>
                </div>
                {after.override?.reason ? <p className="text-amber-800">{t("override", { reason: after.override.reason })}</p> : e.reason ? <p>{t("reason", { reason: e.reason })}</p> : null}
                <p className="mt-1 flex flex-wrap gap-2 text-xs">
                  {e.outcomes.length === 0 ? <span className="text-slate-500">{t("noGateways")}</span> : null}
                  {e.outcomes.map((o) => (
                    <Badge key={o.gatewayName} tone={o.ok ? "green" : "red"} title={o.ok ? `${o.durationMs} ms` : `${o.code ?? ""} ${o.message}`}>
                      {t("outcome", { gateway: o.gatewayName, result: o.ok ? t("ok") : t("failed") })}
                    </Badge>
                  ))}
                </p>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
