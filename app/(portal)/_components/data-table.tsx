import type { ReactNode } from "react";

/** A column heading; `{ right }` for numbers, null for a column the viewer does not get. */
export type Column = string | { right: string } | null;

/**
 * The bordered, horizontally scrolling table the portal lists things in. Rows come as
 * children (each page keeps its own <tr>s); no hooks, so server and client components share it.
 * `minWidth` is a full Tailwind class (e.g. "min-w-[720px]") so Tailwind sees it in the source.
 */
export function DataTable({ testId, minWidth, columns, children }: { testId: string; minWidth: string; columns: Column[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className={`w-full ${minWidth} text-sm`} data-testid={testId}>
        <thead className="bg-slate-50 text-left text-xs text-slate-500">
          <tr>
            {columns.map((c, i) =>
              c === null ? null : typeof c === "string" ? (
                <th key={i} className="px-3 py-2 whitespace-nowrap">
                  {c}
                </th>
              ) : (
                <th key={i} className="px-3 py-2 text-right whitespace-nowrap">
                  {c.right}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
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
          <tr>{columns.map((c, i) => (c === null ? null : typeof c === "string" ? <th key={i}>{c}</th> : <th key={i} className="text-right">{c.right}</th>))}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
