import { NextResponse } from "next/server";
import { verifyAuditStream } from "@/lib/audit/verify-stream";
import { getSessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";

export const dynamic = "force-dynamic";

/**
 * GET /audit/verify: verifies the audit log (chain, outcomes, checkpoints) and streams
 * progress and the result as JSON lines (lib/audit/verify-stream.ts). A read: ADMIN and
 * MANAGER (audit.verify); nothing changes, so no CSRF token is involved.
 */
export async function GET() {
  const user = await getSessionUser();
  if (!user) return NextResponse.json({ error: { code: "unauthorized" } }, { status: 401 });
  if (!can(user.role, "audit.verify")) return NextResponse.json({ error: { code: "forbidden" } }, { status: 403 });
  return new Response(verifyAuditStream(db, user), {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      // Progress must reach the browser as it happens, not when a proxy's buffer fills.
      "x-accel-buffering": "no",
    },
  });
}
