"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { removeNodeAction } from "@/lib/actions/remove-node";
import { setNodeStateAction } from "@/lib/actions/set-node-state";
import { updateNodeAction } from "@/lib/actions/update-node";
import { WEIGHT_MAX, WEIGHT_MIN } from "@/lib/contract/limits";
import type { NodeState } from "@/lib/gateways/types";
import { impactOfChange, type NodeChange } from "@/lib/services/impact";
import type { DesiredNode } from "@/lib/services/state";
import { nodeHealth, type NodeHealth } from "@/lib/metrics/health";
import { useLiveStats } from "@/lib/swr/use-live-stats";
import { DataTable } from "../../_components/data-table";
import { ConfirmButton } from "../../_components/dialog";
import { FieldError } from "../../_components/form";
import { Badge } from "../../_components/states";
import { NodeStateBadge } from "./badges";
import { ImpactText } from "./impact-text";
import { useFieldErrorText, useServiceAction } from "./use-service-action";

type Props = { service: string; revision: number; nodes: DesiredNode[]; canWrite: boolean; releaseTargets?: string[] };

/** Nodes with live numbers (polled every 2 s) and their actions. */
export function NodeTable({ service, revision, nodes, canWrite, releaseTargets = [] }: Props) {
  const t = useTranslations("services");
  const format = useFormatter();
  const { data, error } = useLiveStats(service);
  const live = data?.services[service];
  const dash = <span className="text-slate-400">—</span>;

  return (
    <DataTable
      testId="node-table"
      minWidth="min-w-[720px]"
      columns={[
        t("nodes.addr"),
        t("nodes.weight"),
        t("nodes.state"),
        t("nodes.health"),
        { right: t("nodes.inFlight") },
        { right: t("nodes.rps") },
        { right: t("nodes.errorRate") },
        canWrite ? { label: t("nodes.actions"), className: "hidden sm:table-cell" } : null,
      ]}
      footer={
        <p className="border-t border-slate-100 px-3 py-1.5 text-xs text-slate-500" aria-live="polite">
          {error && !data ? t("live.unavailable") : data ? t("live.updated", { count: data.gateways.filter((g) => g.reachable).length, total: data.gateways.length }) : t("live.measuring")}
        </p>
      }
    >
      {nodes.map((n) => {
        const s = live?.nodes[n.addr];
        return (
          <tr key={n.addr} className="border-t border-slate-100 align-top" data-testid={`node-${n.addr}`}>
            <td className="px-3 py-2 font-mono text-xs break-all">
              {n.addr}
              {canWrite ? (
                // Narrow screens: the actions as a menu in the first column, reachable without scrolling the table sideways.
                <details className="mt-1 font-sans sm:hidden" data-testid="node-menu">
                  <summary className="btn btn-sm cursor-pointer">{t("nodes.actions")}</summary>
                  <div className="mt-2">
                    <NodeActions service={service} revision={revision} nodes={nodes} node={n} />
                  </div>
                </details>
              ) : null}
            </td>
            <td className="px-3 py-2 tabular-nums">{n.weight}</td>
            <td className="px-3 py-2">
              <span className="flex flex-wrap gap-1">
                <NodeStateBadge state={n.state} />
                {n.backup ? <Badge tone="blue">{t("nodes.backup")}</Badge> : null}
                {releaseTargets.some((a) => a.toLowerCase() === n.addr.toLowerCase()) ? <Badge tone="violet">{t("release.target")}</Badge> : null}
              </span>
            </td>
            <td className="px-3 py-2">
              {!s ? dash : <HealthBadge health={nodeHealth(s)} />}
            </td>
            <td className="px-3 py-2 text-right tabular-nums">{s ? format.number(s.inFlight) : dash}</td>
            <td className="px-3 py-2 text-right tabular-nums">{s && s.rps !== null ? format.number(s.rps, { maximumFractionDigits: 1 }) : dash}</td>
            <td className="px-3 py-2 text-right tabular-nums">
              {s && s.errorRate !== null ? format.number(s.errorRate, { style: "percent", maximumFractionDigits: 1 }) : dash}
            </td>
            {canWrite ? (
              <td className="hidden px-3 py-2 sm:table-cell">
                <NodeActions service={service} revision={revision} nodes={nodes} node={n} />
              </td>
            ) : null}
          </tr>
        );
      })}
    </DataTable>
  );
}

function HealthBadge({ health }: { health: NodeHealth }) {
  const t = useTranslations("services.nodes");
  if (health === "ejected") return <Badge tone="red">{t("ejected")}</Badge>;
  if (health === "ok") return <Badge tone="green">{t("healthy")}</Badge>;
  return <Badge>{t("healthUnknown")}</Badge>;
}

const STATE_ACTIONS: { to: NodeState; key: "drain" | "down" | "gray" | "activate"; danger: boolean }[] = [
  { to: "draining", key: "drain", danger: true },
  { to: "down", key: "down", danger: true },
  { to: "gray", key: "gray", danger: true },
  { to: "active", key: "activate", danger: false },
];

function NodeActions({ service, revision, nodes, node }: { service: string; revision: number; nodes: DesiredNode[]; node: DesiredNode }) {
  const t = useTranslations("services");
  const [force, setForce] = useState(false);
  const stateAction = useServiceAction(setNodeStateAction, { successMessage: t("toast.stateChanged", { addr: node.addr }) });
  const remove = useServiceAction(removeNodeAction, { successMessage: t("toast.removed", { addr: node.addr }) });
  // Field errors (the weight) stay in the dialog, which stays open with the value.
  const update = useServiceAction(updateNodeAction, { successMessage: t("toast.updated", { addr: node.addr }), fieldsInline: true });
  const fieldText = useFieldErrorText();
  const [weight, setWeight] = useState(String(node.weight));

  const impact = (change: NodeChange) => <ImpactText impact={impactOfChange(nodes, change)} force={force} onForce={setForce} />;
  // A change that leaves no stable node is confirmed only with the force box ticked.
  const needsForce = (change: NodeChange) => impactOfChange(nodes, change).leavesNoStable && !force;
  const base = { service, revision, addr: node.addr };
  // Force is ticked for one dialog only: closed (confirmed or not), the next one asks again.
  const resetForce = () => setForce(false);

  return (
    <div className="flex flex-wrap items-center gap-1">
      {STATE_ACTIONS.filter((a) => a.to !== node.state).map((a) => (
        <ConfirmButton
          key={a.key}
          label={t(`actions.${a.key}`)}
          title={t(`actions.${a.key}Title`, { addr: node.addr })}
          impact={impact({ kind: "state", addr: node.addr, state: a.to })}
          confirmDisabled={needsForce({ kind: "state", addr: node.addr, state: a.to })}
          danger={a.danger}
          disabled={stateAction.pending}
          onClose={resetForce}
          onConfirm={() => stateAction.run({ ...base, state: a.to, force })}
        />
      ))}
      <ConfirmButton
        label={node.backup ? t("actions.unsetBackup") : t("actions.setBackup")}
        title={t(node.backup ? "actions.unsetBackupTitle" : "actions.setBackupTitle", { addr: node.addr })}
        impact={impact({ kind: "backup", addr: node.addr, backup: !node.backup })}
        disabled={update.pending}
        onClose={resetForce}
        onConfirm={() => update.run({ ...base, backup: !node.backup, force })}
      />
      <ConfirmButton
        label={t("actions.weight")}
        title={t("actions.weightTitle", { addr: node.addr })}
        impact={
          <label className="block">
            <span className="text-xs font-medium">{t("nodes.weight")}</span>
            <input
              className="input mt-1"
              type="number"
              min={WEIGHT_MIN}
              max={WEIGHT_MAX}
              value={weight}
              onChange={(e) => setWeight(e.target.value)}
              name="weight"
              aria-invalid={update.fieldErrors.weight ? true : undefined}
            />
            {update.fieldErrors.weight ? <FieldError errors={fieldText(update.fieldErrors.weight)} /> : <span className="text-xs text-slate-500">{t("form.weightHint")}</span>}
          </label>
        }
        disabled={update.pending}
        onConfirm={async () => (await update.run({ ...base, weight: weight.trim() === "" ? Number.NaN : Number(weight), force })).ok ? undefined : false}
      />
      <ConfirmButton
        label={t("actions.remove")}
        title={t("actions.removeTitle", { addr: node.addr })}
        impact={impact({ kind: "remove", addr: node.addr })}
        confirmDisabled={needsForce({ kind: "remove", addr: node.addr })}
        danger
        disabled={remove.pending}
        onClose={resetForce}
        onConfirm={() => remove.run({ ...base, force })}
      />
    </div>
  );
}
