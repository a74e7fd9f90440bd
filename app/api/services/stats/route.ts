import { NextResponse } from "next/server";
import { toAppError } from "@/lib/actions/safe-action";
import { getSessionUser } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { getLiveStats } from "@/lib/services/live";
import { serviceNameSchema } from "@/lib/validations/service";

export const dynamic = "force-dynamic";

/** Live requests/s, 5xx rate and in-flight counts over every gateway; polled by SWR every 2 s. */
export async function GET(request: Request) {
  try {
    const user = await getSessionUser();
    if (!user) return NextResponse.json({ error: { code: "unauthorized" } }, { status: 401 });
    if (!can(user.role, "services.read")) return NextResponse.json({ error: { code: "forbidden" } }, { status: 403 });
    const raw = new URL(request.url).searchParams.get("service");
    const service = raw === null ? undefined : serviceNameSchema.safeParse(raw);
    if (service && !service.success) return NextResponse.json({ error: { code: "invalid_input" } }, { status: 400 });
    const stats = await getLiveStats(db, { service: service?.data });
    return NextResponse.json(stats, { headers: { "cache-control": "no-store" } });
  } catch (e) {
    const err = toAppError(e);
    return NextResponse.json({ error: { code: err.code } }, { status: err.status });
  }
}
