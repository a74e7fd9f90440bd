"use server";

import { z } from "zod";
import { defineAction } from "@/lib/actions/safe-action";
import { verifyAuditChain, type AuditChainBreak } from "@/lib/audit-chain";
import { db } from "@/lib/db";
import { log } from "@/lib/log";

export type VerifyAuditResult =
  | { ok: true; checked: number; ms: number }
  | { ok: false; checked: number; ms: number; brokenAt: string; code: AuditChainBreak };

// Verification only reads the log, so it is not itself an audit event (an event per
// click would grow the log it checks); it is logged with who asked and what it found.
export const verifyAuditAction = defineAction("audit.verify", z.object({}).strict(), async (_input, ctx): Promise<VerifyAuditResult> => {
  const startedAt = Date.now();
  const report = await verifyAuditChain(db);
  const ms = Date.now() - startedAt;
  if (report.ok) {
    log.info("audit.verify", { userId: ctx.user.id, email: ctx.user.email, ok: true, checked: report.checked, ms });
    return { ok: true, checked: report.checked, ms };
  }
  log.warn("audit.verify", {
    userId: ctx.user.id,
    email: ctx.user.email,
    ok: false,
    checked: report.checked,
    brokenAt: report.brokenAt,
    code: report.code,
    reason: report.reason,
    ms,
  });
  return { ok: false, checked: report.checked, ms, brokenAt: report.brokenAt.toString(), code: report.code };
});
