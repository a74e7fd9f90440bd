"use client";

import { useTranslations } from "next-intl";
import { useRef, useState } from "react";
import { addNodeAction } from "@/lib/actions/add-node";
import { MAX_NODES_PER_SERVICE, WEIGHT_MAX, WEIGHT_MIN } from "@/lib/contract/limits";
import { NODE_STATES, type NodeState } from "@/lib/gateways/types";
import { impactOfChange } from "@/lib/services/impact";
import type { DesiredNode } from "@/lib/services/state";
import { SelectField, SubmitButton, TextField } from "../../_components/form";
import { submitForm } from "../../_components/use-action";
import { ImpactText } from "./impact-text";
import { useFieldErrorText, useServiceAction } from "./use-service-action";

export function AddNodeForm({ service, revision, nodes }: { service: string; revision: number; nodes: DesiredNode[] }) {
  const t = useTranslations("services");
  const fe = useFieldErrorText();
  const form = useRef<HTMLFormElement>(null);
  const [state, setState] = useState<NodeState>("active");
  const [addr, setAddr] = useState("");
  const [force, setForce] = useState(false);
  const { run, pending, fieldErrors } = useServiceAction(addNodeAction, {
    successMessage: t("toast.added", { addr: addr.trim() }),
    fieldsInline: true,
    onDone: () => {
      form.current?.reset();
      setAddr("");
      setState("active");
    },
  });
  // Adding a gray/down node to a service without a stable node still leaves none.
  const impact = state !== "active" && addr.trim() ? impactOfChange(nodes, { kind: "add", node: { addr: addr.trim(), weight: 1, state, backup: false } }) : null;

  // The server refuses one more anyway (shared limit with the gateways): say so up front.
  if (nodes.length >= MAX_NODES_PER_SERVICE) {
    return (
      <p role="status" className="text-sm text-slate-600" data-testid="node-limit">
        {t("validation.tooManyNodes", { limit: MAX_NODES_PER_SERVICE })}
      </p>
    );
  }

  return (
    <form
      ref={form}
      className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr_auto_auto] sm:items-end"
      aria-label={t("addNode.title")}
      // The app's inline errors in the chosen language, not the browser's bubbles in its own.
      noValidate
      onSubmit={submitForm((f) => {
        void run({
          service,
          revision,
          force,
          node: { addr: String(f.get("addr") ?? ""), weight: String(f.get("weight") ?? "1"), state, backup: f.get("backup") === "on" },
        });
      })}
    >
      <TextField label={t("nodes.addr")} name="addr" placeholder="127.0.0.1:8081" value={addr} onChange={(e) => setAddr(e.target.value)} errors={fe(fieldErrors["node.addr"])} required autoComplete="off" />
      <TextField label={t("nodes.weight")} name="weight" type="number" min={WEIGHT_MIN} max={WEIGHT_MAX} defaultValue={1} errors={fe(fieldErrors["node.weight"])} />
      <SelectField
        label={t("nodes.state")}
        name="state"
        value={state}
        onChange={(e) => setState(e.target.value as NodeState)}
        options={NODE_STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))}
        errors={fe(fieldErrors["node.state"])}
      />
      <label className="flex items-center gap-2 pb-2 text-sm">
        <input type="checkbox" name="backup" /> {t("nodes.backup")}
      </label>
      <SubmitButton pending={pending}>{t("addNode.submit")}</SubmitButton>
      {impact?.leavesNoStable ? (
        <div className="sm:col-span-5">
          <ImpactText impact={impact} force={force} onForce={setForce} />
        </div>
      ) : null}
    </form>
  );
}
