import type { ReactNode } from "react";

/**
 * A column heading; `{ right }` for numbers, `{ label, className }` for a heading with classes of
 * its own (e.g. shown only on wide screens), null for a column the viewer does not get.
 */
export type Column = string | { right: string } | { label: string; className: string } | null;

/** The heading row: each heading's classes after the table's own `cell` classes. */
function Headings({ columns, cell }: { columns: Column[]; cell: string }) {
  return (
    <tr>
      {columns.map((c, i) => {
        if (c === null) return null;
        const { label, className } = typeof c === "string" ? { label: c, className: "" } : "right" in c ? { label: c.right, className: "text-right" } : c;
        return (
          <th key={i} className={`${cell} ${className}`.trim() || undefined}>
            {label}
          </th>
        );
      })}
    </tr>
  );
}

/**
 * The bordered, horizontally scrolling table the portal lists things in. Rows come as
 * children (each page keeps its own <tr>s); no hooks, so server and client components share it.
 * `minWidth` is a full Tailwind class (e.g. "min-w-[720px]") so Tailwind sees it in the source;
 * `text` the body's type (the audit diff shows values in "font-mono text-xs"); `footer` goes
 * under the table, inside its border.
 */
export function DataTable({
  testId,
  minWidth = "",
  text = "text-sm",
  columns,
  footer,
  children,
}: {
  testId: string;
  minWidth?: string;
  text?: string;
  columns: Column[];
  footer?: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className={`w-full ${minWidth} ${text}`} data-testid={testId}>
        <thead className="bg-slate-50 text-left font-sans text-xs text-slate-500">
          <Headings columns={columns} cell="px-3 py-2 whitespace-nowrap" />
        </thead>
        <tbody>{children}</tbody>
      </table>
      {footer}
    </div>
  );
}

/**
 * The card-framed table of the admin lists (users, gateways, webhooks, approval policies): the
 * global `table` style; rows come as children. A `{ right }` heading is right-aligned.
 */
export function CardTable({ testId, columns, children }: { testId: string; columns: Column[]; children: ReactNode }) {
  return (
    <div className="card overflow-x-auto">
      <table className="table" data-testid={testId}>
        <thead>
          <Headings columns={columns} cell="" />
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
