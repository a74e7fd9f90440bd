"use client";

import type { ReactElement } from "react";
import { ResponsiveContainer } from "recharts";

/** A titled, bordered box holding one responsive recharts chart. */
export function ChartFigure({ title, testId, children }: { title: string; testId?: string; children: ReactElement }) {
  return (
    <figure className="rounded-lg border border-slate-200 bg-white p-3" data-testid={testId}>
      <figcaption className="mb-2 text-sm font-medium text-slate-700">{title}</figcaption>
      <div className="h-56">
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
