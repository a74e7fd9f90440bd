"use client";

import { useTranslations } from "next-intl";
import Link from "@/app/(portal)/_components/link";
import { useState } from "react";
import type { VerifyAuditResult, VerifyLine } from "@/lib/audit/verify-stream";

type State =
  | { phase: "idle" }
  | { phase: "running"; checked: number; total: number }
  | { phase: "done"; result: VerifyAuditResult }
  | { phase: "error"; code: string };

/** Reads the JSON lines of GET /audit/verify as they arrive. */
async function* lines(res: Response): AsyncGenerator<VerifyLine> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) yield JSON.parse(line) as VerifyLine;
    }
  }
}

/** Verifies the audit log on the server, with progress, and shows what it found (MANAGER and ADMIN). */
export function VerifyButton() {
  const t = useTranslations("audit.verify");
  const [state, setState] = useState<State>({ phase: "idle" });

  async function run() {
    setState({ phase: "running", checked: 0, total: 0 });
    try {
      const res = await fetch("/audit/verify", { cache: "no-store" });
      if (!res.ok || !res.body) return setState({ phase: "error", code: String(res.status) });
      for await (const line of lines(res)) {
        if (line.type === "progress") setState({ phase: "running", checked: line.checked, total: line.total });
        else if (line.type === "result") return setState({ phase: "done", result: line.result });
        else return setState({ phase: "error", code: line.code });
      }
      setState({ phase: "error", code: "incomplete" });
    } catch {
      setState({ phase: "error", code: "network" });
    }
  }

  const result = state.phase === "done" ? state.result : null;
  const anchored = (r: VerifyAuditResult) =>
    r.checkpoint ? t("checkpoint", { seq: r.checkpoint.seq, at: r.checkpoint.at, unanchored: r.unanchored }) : t("noCheckpoint", { unanchored: r.unanchored });
  return (
    <section className="flex flex-wrap items-start gap-3" aria-live="polite">
      <button type="button" className="btn" disabled={state.phase === "running"} onClick={() => void run()} data-testid="verify-audit">
        {state.phase === "running" ? t("running") : t("button")}
      </button>
      {state.phase === "running" && state.total > 0 ? (
        <p className="flex items-center gap-2 text-sm text-slate-700" data-testid="verify-progress">
          <progress max={state.total} value={state.checked} className="w-48" />
          {t("progress", { checked: state.checked, total: state.total })}
        </p>
      ) : null}
      {result?.ok ? (
        <div className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900 ring-1 ring-emerald-200" data-testid="verify-result" data-ok="true">
          <p>{t("ok", { count: result.checked, ms: result.ms })}</p>
          <p>{anchored(result)}</p>
        </div>
      ) : result ? (
        <div className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-red-200" data-testid="verify-result" data-ok="false" data-broken-at={result.brokenAt} data-code={result.code}>
          <p className="font-medium">{t("broken", { id: result.brokenAt ?? "", reason: t(`codes.${result.code ?? "content_changed"}`) })}</p>
          <p>
            {t("checkedBefore", { count: result.checked })}{" "}
            <Link href={`/audit/${result.brokenAt}`} className="underline" data-testid="verify-broken-link">
              {t("open", { id: result.brokenAt ?? "" })}
            </Link>
          </p>
          <p>{anchored(result)}</p>
        </div>
      ) : state.phase === "error" ? (
        <p className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-red-200" data-testid="verify-result" data-ok="error">
          {state.code === "audit_key_missing" ? t("keyMissing") : t("failed", { code: state.code })}
        </p>
      ) : null}
    </section>
  );
}
