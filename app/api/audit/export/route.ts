import { auditApi } from "@/lib/api/audit";
import { apiDeps } from "@/lib/api/deps";

export const dynamic = "force-dynamic";

/** The filtered audit history as a CSV or JSON download (?format=csv|json&<the audit page's filters>). */
export function GET(req: Request) {
  return auditApi.export(req, apiDeps);
}
