import "server-only";
// Streamed export of the filtered audit history as CSV or JSON. Rows are read in keyset
// batches (newest first) only when the consumer pulls, so memory stays at one batch
// whatever the size of the log, and a slow download slows the reads down.
//
// Column names and JSON keys are stable English machine names, in every UI language:
// exports are read by scripts and spreadsheets, and renaming a column breaks them.
import type { Db } from "@/lib/db";
import type { AuditFilters } from "./filters";
import { auditExportBatch, type ExportEvent } from "./read";

export const EXPORT_FORMATS = ["csv", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CSV_COLUMNS = [
  "id",
  "createdAt",
  "actorEmail",
  "actorRole",
  "clientIp",
  "userAgent",
  "action",
  "targetType",
  "targetName",
  "serviceName",
  "releaseId",
  "reason",
  "gatewaysOk",
  "gatewaysFailed",
  "failedGateways",
  "before",
  "after",
  "prevHash",
  "hash",
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma, CR or LF, quotes
 * doubled. Text that a spreadsheet would run as a formula (starting with = + - @, tab
 * or CR) gets a leading apostrophe (OWASP "CSV injection"); numbers are left alone.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  let s = value instanceof Date ? value.toISOString() : typeof value === "string" ? value : JSON.stringify(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(fields: readonly unknown[]): string {
  return fields.map(csvField).join(",") + "\r\n";
}

function csvRecord(e: ExportEvent): string {
  const failed = e.outcomes.filter((o) => !o.ok);
  return csvRow([
    e.id,
    e.createdAt,
    e.actorEmail,
    e.actorRole,
    e.clientIp,
    e.userAgent,
    e.action,
    e.targetType,
    e.targetName,
    e.serviceName,
    e.releaseId,
    e.reason,
    e.outcomes.length - failed.length,
    failed.length,
    failed.map((o) => o.gatewayName).join(" "),
    e.before ?? null,
    e.after ?? null,
    e.prevHash,
    e.hash,
  ]);
}

function jsonRecord(e: ExportEvent): string {
  return JSON.stringify({
    id: e.id.toString(),
    createdAt: e.createdAt.toISOString(),
    actorId: e.actorId,
    actorEmail: e.actorEmail,
    actorRole: e.actorRole,
    clientIp: e.clientIp,
    userAgent: e.userAgent,
    action: e.action,
    targetType: e.targetType,
    targetName: e.targetName,
    serviceName: e.serviceName,
    releaseId: e.releaseId,
    reason: e.reason,
    before: e.before ?? null,
    after: e.after ?? null,
    outcomes: e.outcomes.map((o) => ({ ...o, createdAt: o.createdAt.toISOString() })),
    prevHash: e.prevHash,
    hash: e.hash,
  });
}

export type ExportOptions = {
  batchSize?: number;
  /** Called after each batch read (for logs and tests). */
  onBatch?: (rows: number) => void;
  /** Called once, when the last row was written or the download was cancelled. */
  onDone?: (info: { rows: number; cancelled: boolean }) => void;
  /** A read failed: the download ends with an error (the client sees a broken transfer). */
  onError?: (error: unknown) => void;
};

/**
 * The export as a byte stream. CSV: UTF-8 with a BOM (so spreadsheet programs read
 * Chinese text right), CRLF line ends, a header row of CSV_COLUMNS. JSON: one array,
 * one event per line.
 */
export function auditExportStream(db: Db, filters: AuditFilters, format: ExportFormat, opts: ExportOptions = {}): ReadableStream<Uint8Array> {
  const batchSize = opts.batchSize ?? 1000;
  const encoder = new TextEncoder();
  let before: bigint | undefined;
  let rows = 0;
  let started = false;
  let finished = false;
  const finish = (cancelled: boolean) => {
    if (finished) return;
    finished = true;
    opts.onDone?.({ rows, cancelled });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let chunk = "";
        if (!started) {
          started = true;
          chunk = format === "csv" ? "\uFEFF" + csvRow(CSV_COLUMNS) : "[";
        }
        let batch: ExportEvent[];
        try {
          batch = await auditExportBatch(db, filters, before, batchSize);
        } catch (e) {
          finished = true;
          opts.onError?.(e);
          throw e;
        }
        opts.onBatch?.(batch.length);
        for (const e of batch) {
          chunk += format === "csv" ? csvRecord(e) : `${rows === 0 ? "\n" : ",\n"}${jsonRecord(e)}`;
          rows++;
        }
        if (batch.length > 0) before = batch[batch.length - 1].id;
        if (batch.length < batchSize) {
          if (format === "json") chunk += rows === 0 ? "]\n" : "\n]\n";
          controller.enqueue(encoder.encode(chunk));
          controller.close();
          finish(false);
          return;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      cancel() {
        finish(true);
      },
    },
    // One batch queued ahead at most: the reads follow the download.
    { highWaterMark: 1 },
  );
}
