import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { getAuditEvent } from "@/lib/audit/read";
import { jsonDiff, type JsonDiffLine } from "@/lib/services/json-diff";
import { DataTable } from "../../_components/data-table";
import { DateTime } from "../../_components/date-time";
import { Badge, PageHeader } from "../../_components/states";

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

const DIFF_STYLE: Record<JsonDiffLine["kind"], string> = {
  added: "bg-emerald-50",
  removed: "bg-red-50",
  changed: "bg-amber-50",
  same: "",
};

export default async function AuditEventPage({ params }: PageProps<"/audit/[id]">) {
  await requirePermission("audit.read");
  const { id } = await params;
  if (!/^\d{1,19}$/.test(id)) notFound();
  const event = await getAuditEvent(db, BigInt(id));
  if (!event) notFound();
  const t = await getTranslations("audit");
  const te = await getTranslations("errors");
  const tc = await getTranslations("common");
  const diff = jsonDiff(event.before, event.after);
  const action = t.has(`actions.${event.action}`) ? t(`actions.${event.action}`) : event.action;
  const gatewayError = (code: string | null, message: string) =>
    code && te.has(`gateway.${code}`) ? te(`gateway.${code}`, { message }) : te("gateway.unknown", { message, code: code ?? "?" });

  return (
    <div className="space-y-6">
      <Link href="/audit" className="text-sm text-slate-500 hover:underline">
        ← {t("detail.back")}
      </Link>
      <PageHeader title={t("detail.title", { id: event.id.toString(), action })} />

      <dl className="grid gap-x-6 gap-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm sm:grid-cols-[10rem_1fr]" data-testid="audit-detail">
        <dt className="text-slate-500">{t("detail.time")}</dt>
        <dd>
          <DateTime value={event.createdAt} />
        </dd>
        <dt className="text-slate-500">{t("detail.actor")}</dt>
        <dd className="break-all" data-testid="audit-actor">
          {event.actorRole === "SYSTEM" ? tc("systemActor") : event.actorEmail}
        </dd>
        <dt className="text-slate-500">{t("detail.role")}</dt>
        <dd>{t.has(`roles.${event.actorRole}`) ? t(`roles.${event.actorRole}`) : event.actorRole}</dd>
        <dt className="text-slate-500">{t("detail.ip")}</dt>
        <dd className="font-mono text-xs">{event.clientIp || "—"}</dd>
        <dt className="text-slate-500">{t("detail.userAgent")}</dt>
        <dd className="text-xs break-all text-slate-600">{event.userAgent || "—"}</dd>
        <dt className="text-slate-500">{t("detail.action")}</dt>
        <dd>
          {action} <code className="text-xs text-slate-500">{event.action}</code>
        </dd>
        <dt className="text-slate-500">{t("detail.target")}</dt>
        <dd className="font-mono text-xs break-all">
          {event.serviceName && event.targetType !== "service" ? (
            <>
              <Link href={`/services/${encodeURIComponent(event.serviceName)}`} className="underline">
                {event.serviceName}
              </Link>{" "}
              / {event.targetName}
            </>
          ) : event.serviceName ? (
            <Link href={`/services/${encodeURIComponent(event.serviceName)}`} className="underline">
              {event.targetName}
            </Link>
          ) : (
            event.targetName
          )}
        </dd>
        {event.releaseId ? (
          <>
            <dt className="text-slate-500">{t("detail.release")}</dt>
            <dd className="font-mono text-xs break-all">
              <Link href={`/releases/${encodeURIComponent(event.releaseId)}`} className="underline" data-testid="audit-release">
                {event.releaseId}
              </Link>{" "}
              ·{" "}
              <Link href={`/audit?release=${encodeURIComponent(event.releaseId)}`} className="font-sans underline">
                {t("detail.releaseEvents")}
              </Link>
            </dd>
          </>
        ) : null}
        {event.reason ? (
          <>
            <dt className="text-slate-500">{t("detail.reason")}</dt>
            <dd>{event.reason}</dd>
          </>
        ) : null}
        <dt className="text-slate-500">{t("detail.hash")}</dt>
        <dd className="font-mono text-xs break-all text-slate-500">{event.hash ?? "—"}</dd>
      </dl>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("detail.outcomes")}</h2>
        {event.outcomes.length === 0 ? (
          <p className="text-sm text-slate-500">{t("detail.noOutcomes")}</p>
        ) : (
          <DataTable testId="audit-outcomes" minWidth="min-w-[560px]" columns={[t("detail.gateway"), t("detail.result"), t("detail.error"), { right: t("detail.duration") }]}>
            {event.outcomes.map((o) => (
              <tr key={o.id.toString()} className="border-t border-slate-100 align-top" data-testid={`outcome-${o.gatewayName}`} data-ok={o.ok}>
                <td className="px-3 py-2 font-medium">{o.gatewayName}</td>
                <td className="px-3 py-2">{o.ok ? <Badge tone="green">{t("detail.ok")}</Badge> : <Badge tone="red">{t("detail.failed")}</Badge>}</td>
                <td className="px-3 py-2 text-xs break-all">
                  {o.ok ? o.message || "—" : (
                    <>
                      {gatewayError(o.code, o.message)}
                      <span className="ml-1 text-slate-500">
                        ({o.code}
                        {o.status ? ` · HTTP ${o.status}` : ""})
                      </span>
                    </>
                  )}
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{t("detail.ms", { ms: o.durationMs })}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      <section className="space-y-2">
        <h2 className="text-lg font-semibold">{t("detail.diff")}</h2>
        {diff.length === 0 ? (
          <p className="text-sm text-slate-500">{t("detail.noDiff")}</p>
        ) : (
          <DataTable testId="audit-diff" minWidth="min-w-[480px]" text="font-mono text-xs" columns={[t("detail.field"), t("detail.before"), t("detail.after")]}>
            {diff.map((l) => (
              <tr key={l.path} className={`border-t border-slate-100 align-top ${DIFF_STYLE[l.kind]}`} data-kind={l.kind}>
                <td className="px-3 py-1.5 break-all">{l.path}</td>
                <td className={`px-3 py-1.5 break-all ${l.kind === "changed" || l.kind === "removed" ? "text-red-800 line-through decoration-red-300" : ""}`}>
                  {l.before === undefined ? "" : show(l.before)}
                </td>
                <td className={`px-3 py-1.5 break-all ${l.kind === "changed" || l.kind === "added" ? "text-emerald-800" : ""}`}>{l.after === undefined ? "" : show(l.after)}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>
    </div>
  );
}
