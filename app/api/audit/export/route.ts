import { NextResponse } from "next/server";
import { toAppError } from "@/lib/actions/safe-action";
import { auditExportStream, EXPORT_FORMATS, type ExportFormat } from "@/lib/audit/export";
import { auditFilterWithNul, parseAuditFilters } from "@/lib/audit/filters";
import { getSessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { resolveTimeZone } from "@/lib/i18n/locales";
import { log } from "@/lib/log";
import { can } from "@/lib/rbac";

export const dynamic = "force-dynamic";

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  json: "application/json; charset=utf-8",
};

/**
 * GET /api/audit/export?format=csv|json&<the audit page's filters>: the filtered audit
 * history as a download, streamed in keyset batches (lib/audit/export.ts). Exporting is
 * a read: it is logged, not added to the audit log.
 */
export async function GET(request: Request) {
  try {
    const user = await getSessionUser();
    if (!user) return NextResponse.json({ error: { code: "unauthorized" } }, { status: 401 });
    if (!can(user.role, "audit.read")) return NextResponse.json({ error: { code: "forbidden" } }, { status: 403 });
    const params = new URL(request.url).searchParams;
    // Checked before the stream starts: a failing query would cut a 200 download short.
    const nul = auditFilterWithNul(params);
    if (nul) return NextResponse.json({ error: { code: "invalid_input", field: nul } }, { status: 400 });
    const format = params.get("format") ?? "csv";
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
      return NextResponse.json({ error: { code: "invalid_input", field: "format" } }, { status: 400 });
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
  } catch (e) {
    const err = toAppError(e);
    return NextResponse.json({ error: { code: err.code } }, { status: err.status });
  }
}
