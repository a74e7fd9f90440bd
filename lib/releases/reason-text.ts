// The text of an automatic rollback's reasons in the reader's language, from their codes
// (analysis.ts RollbackReason) and the releases.autoRollback messages. Takes the translator
// of that namespace, so server pages (getTranslations) and client views (useTranslations)
// word it the same way.
import type { RollbackReason } from "./analysis";

type Translate = (key: "error_rate" | "latency" | "latencyNoRatio", values: Record<string, number>) => string;

export function rollbackReasonText(t: Translate, r: RollbackReason): string {
  if (r.code === "error_rate") return t("error_rate", r.params);
  const { grayP95Ms, stableP95Ms, ratio } = r.params;
  return ratio === null ? t("latencyNoRatio", { grayP95Ms, stableP95Ms }) : t("latency", { grayP95Ms, stableP95Ms, ratio });
}
