import "server-only";
// GET /api/audit/export?format=csv|json&<the audit page's filters>: the filtered audit history
// as a download, streamed in keyset batches (lib/audit/export.ts). The chain of every route
// (lib/api/handler.ts), with the session only: the download link sits on the audit page.
// Exporting is a read: it is logged, not added to the audit log.
import { auditExportStream, EXPORT_FORMATS, type ExportFormat } from "@/lib/audit/export";
import { parseAuditFilters } from "@/lib/audit/filters";
import { AppError } from "@/lib/errors";
import { resolveTimeZone } from "@/lib/i18n/locales";
import { log } from "@/lib/log";
import { handle, type ApiDeps } from "./handler";

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
};

export const auditApi = {
  export: (req: Request, deps: ApiDeps) =>
    handle(
      req,
      deps,
      "audit.read",
      async ({ db, user }) => {
        // Checked before the stream starts (a failing query would cut a 200 download short): NUL
        // bytes in any parameter by the chain, the format here.
        const params = new URL(req.url).searchParams;
        const format = params.get("format") ?? "csv";
        if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
          throw new AppError("invalid_input", `unknown export format ${JSON.stringify(format.slice(0, 20))}`, { fieldErrors: { format: ["validation.format"] } });
        }
        // Wall times from the page's date inputs are in the user's zone, as on the page.
        const filters = parseAuditFilters(params, resolveTimeZone(user.timeZone));
        const startedAt = Date.now();
        const body = auditExportStream(db, filters, format as ExportFormat, {
          onDone: ({ rows, cancelled }) =>
            log.info("audit.export", { userId: user.id, email: user.email, format, filters, rows, cancelled, ms: Date.now() - startedAt }),
          onError: (e) => log.error("audit.export_failed", { userId: user.id, format, error: e instanceof Error ? e.message : String(e) }),
        });
        const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
        return new Response(body, {
          headers: {
            "content-type": CONTENT_TYPE[format as ExportFormat],
            "content-disposition": `attachment; filename="graylane-audit-${stamp}.${format}"`,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
          },
        });
      },
      { auth: "session" },
    ),
};
