import "server-only";
// "Verify integrity" in the portal: the verification of lib/audit/verify.ts as a stream of
// JSON lines, so the page can show progress over a million events and the result at the
// end in the same response (no job state to share between portal processes).
import { log } from "@/lib/log";
import type { Db } from "@/lib/db";
import { verifyAuditChain, type AuditChainBreak } from "./verify";

export type VerifyAuditResult = {
  ok: boolean;
  checked: number;
  total: number;
  legacyEvents: number;
  unanchored: number;
  checkpoint: { seq: number; at: string; lastEventId: string; count: number } | null;
  ms: number;
  brokenAt?: string;
  code?: AuditChainBreak;
  reason?: string;
};

export type VerifyLine =
  | { type: "progress"; checked: number; total: number }
  | { type: "result"; result: VerifyAuditResult }
  | { type: "error"; code: "internal" | "audit_key_missing" };

const PROGRESS_EVERY_MS = 200;

export function verifyAuditStream(db: Db, who: { id: string; email: string }): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (line: VerifyLine) => {
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
        } catch {
          // the client went away; the verification finishes and is logged anyway
        }
      };
      const startedAt = Date.now();
      let lastSent = 0;
      try {
        const report = await verifyAuditChain(db, {
          onProgress: ({ checked, total }) => {
            const now = Date.now();
            if (now - lastSent < PROGRESS_EVERY_MS && checked < total) return;
            lastSent = now;
            send({ type: "progress", checked, total });
          },
        });
        const ms = Date.now() - startedAt;
        const result: VerifyAuditResult = {
          ok: report.ok,
          checked: report.checked,
          total: report.total,
          legacyEvents: report.legacyEvents,
          unanchored: report.unanchored,
          checkpoint: report.checkpoint,
          ms,
          ...(report.ok ? {} : { brokenAt: report.brokenAt.toString(), code: report.code, reason: report.reason }),
        };
        // Verification only reads the log, so it is not itself an audit event (an event per
        // click would grow the log it checks); it is logged with who asked and what it found.
        (report.ok ? log.info : log.warn)("audit.verify", { userId: who.id, email: who.email, ...result });
        send({ type: "result", result });
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log.error("audit.verify_failed", { userId: who.id, error: message });
        send({ type: "error", code: e instanceof Error && e.name === "AuditKeyError" ? "audit_key_missing" : "internal" });
      } finally {
        try {
          controller.close();
        } catch {
          // already closed by a client that went away
        }
      }
    },
  });
}
