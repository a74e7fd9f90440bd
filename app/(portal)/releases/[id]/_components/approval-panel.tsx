"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { approveReleaseAction } from "@/lib/approvals/actions/approve-release";
import { rejectReleaseAction } from "@/lib/approvals/actions/reject-release";
import type { Side } from "@/lib/releases/analysis";
import { useApproval } from "@/lib/swr/use-approval";
import { DateTime } from "../../../_components/date-time";
import { SubmitButton } from "../../../_components/form";
import { Badge } from "../../../_components/states";
import { useAction } from "../../../_components/use-action";

const pct = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${Math.round(v * 1000) / 10}%`);
const ms = (v: number | null | undefined) => (v === null || v === undefined ? "—" : `${Math.round(v)} ms`);

/**
 * The release's approval: while a request is pending, what it asks for, the plan and the live
 * comparison of gray and stable, and — for a user who may decide and did not ask — approve /
 * reject with a comment. The server decides who may (self-approval, MANAGER policy).
 */
export function ApprovalPanel({ releaseId, viewer }: { releaseId: string; viewer: { email: string; role: string } }) {
  const t = useTranslations("approvals");
  const router = useRouter();
  const { data, mutate } = useApproval(releaseId);
  const [comment, setComment] = useState("");
  const done = () => {
    setComment("");
    void mutate();
    router.refresh();
  };
  const approve = useAction(approveReleaseAction, { successMessage: t("approved"), onSuccess: done });
  const reject = useAction(rejectReleaseAction, { successMessage: t("rejected"), onSuccess: done });
  if (!data) return null;
  const { policy, approval: a, plan, comparison } = data;
  const hasPolicy = policy.promotionNeedsApproval || policy.stepsAbovePercent !== null;
  if (!hasPolicy && !a) return null;
  const pending = a?.status === "PENDING";
  const mine = a ? a.requestedBy.toLowerCase() === viewer.email.toLowerCase() : false;
  const mayDecide = viewer.role === "ADMIN" || (viewer.role === "MANAGER" && policy.managersMayApprove);
  const change = a ? (a.kind === "promote" ? t("change.promote") : t("change.step", { percent: a.percent ?? 0 })) : "";
  const gray: Side | null = comparison.split?.gray ?? comparison.analysis?.gray ?? null;
  const stable: Side | null = comparison.split?.stable ?? comparison.analysis?.stable ?? null;

  return (
    <section className={`space-y-3 rounded-lg border p-4 text-sm ${pending ? "border-amber-300 bg-amber-50" : "border-slate-200 bg-white"}`} data-testid="approval-panel" data-status={a?.status ?? "none"}>
      <h2 className="font-semibold">{t("title")}</h2>
      <p className="text-xs text-slate-600" data-testid="approval-policy">
        {[
          policy.promotionNeedsApproval ? t("policy.promotion") : null,
          policy.stepsAbovePercent !== null ? t("policy.steps", { percent: policy.stepsAbovePercent }) : null,
          policy.managersMayApprove ? t("policy.managers") : t("policy.adminsOnly"),
        ]
          .filter(Boolean)
          .join(" · ")}
      </p>
      {a ? (
        <div className="space-y-2">
          <p data-testid="approval-request">
            <Badge tone={pending ? "amber" : a.status === "REJECTED" ? "red" : a.status === "APPROVED" || a.status === "USED" ? "green" : "neutral"}>{t(`status.${a.status as "PENDING"}`)}</Badge>{" "}
            {t("request", { requester: a.requestedBy, change })} · <DateTime value={a.requestedAt} />
          </p>
          {a.decidedBy ? (
            <p data-testid="approval-decision">
              {t("decision", { who: a.decidedBy })} · {a.decidedAt ? <DateTime value={a.decidedAt} /> : null}
              {a.comment ? <span className="block text-slate-700">“{a.comment}”</span> : null}
            </p>
          ) : null}
        </div>
      ) : (
        <p className="text-slate-500">{t("none")}</p>
      )}
      {pending ? (
        <>
          <div data-testid="approval-plan">
            <span className="text-xs text-slate-500">{t("plan")}: </span>
            {plan.steps.map((s, i) => (
              <span key={i} className={a!.kind === "step" && s === a!.percent ? "font-semibold text-amber-900" : i <= plan.currentStep ? "text-emerald-700" : ""}>
                {i ? " → " : ""}
                {s}%
              </span>
            ))}
            <span className="text-xs text-slate-500"> · {t("now", { percent: plan.percent })}</span>
          </div>
          <table className="table text-xs" data-testid="approval-comparison">
            <thead>
              <tr>
                <th />
                <th>{t("cmp.requests")}</th>
                <th>{t("cmp.errorRate")}</th>
                <th>{t("cmp.p95")}</th>
              </tr>
            </thead>
            <tbody>
              {(
                [
                  ["gray", gray],
                  ["stable", stable],
                ] as const
              ).map(([k, s]) => (
                <tr key={k}>
                  <td>{t(`cmp.${k}`)}</td>
                  <td>{s?.requests ?? "—"}</td>
                  <td>{pct(s?.errorRate)}</td>
                  <td>{ms(s?.p95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {mine ? (
            <p className="text-amber-900" data-testid="approval-own">{t("own")}</p>
          ) : mayDecide ? (
            <form
              className="space-y-2"
              onSubmit={(e) => {
                e.preventDefault();
                const which = ((e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
                const input = { releaseId, id: a!.id, comment };
                void (which === "reject" ? reject.run(input) : approve.run(input));
              }}
            >
              <label className="block text-xs font-medium text-slate-700" htmlFor="approval-comment">
                {t("comment")}
              </label>
              <textarea id="approval-comment" className="input" rows={2} maxLength={1000} value={comment} onChange={(e) => setComment(e.target.value)} />
              <div className="flex gap-2">
                <SubmitButton pending={approve.pending} value="approve">
                  {t("approve")}
                </SubmitButton>
                <SubmitButton pending={reject.pending} value="reject" className="btn btn-danger">
                  {t("reject")}
                </SubmitButton>
              </div>
            </form>
          ) : (
            <p className="text-slate-600">{t("waiting")}</p>
          )}
        </>
      ) : null}
    </section>
  );
}
