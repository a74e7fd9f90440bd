import "server-only";
// The shape of the portal's own polling routes (SWR): session → permission → JSON, never
// cached by the browser or a proxy. Errors are { error: { code } } with the code's status.
import { NextResponse } from "next/server";
import { toAppError } from "@/lib/actions/safe-action";
import { getSessionUser, type SessionUser } from "@/lib/auth";
import { can, type Permission } from "@/lib/rbac";

const NO_STORE = { "cache-control": "no-store" };

export async function pollRoute(permission: Permission, read: (user: SessionUser) => Promise<unknown>): Promise<NextResponse> {
  try {
    const user = await getSessionUser();
    if (!user) return NextResponse.json({ error: { code: "unauthorized" } }, { status: 401, headers: NO_STORE });
    if (!can(user.role, permission)) return NextResponse.json({ error: { code: "forbidden" } }, { status: 403, headers: NO_STORE });
    const data = await read(user);
    if (data === null) return NextResponse.json({ error: { code: "not_found" } }, { status: 404, headers: NO_STORE });
    return NextResponse.json(data, { headers: NO_STORE });
  } catch (e) {
    const err = toAppError(e);
    return NextResponse.json({ error: { code: err.code } }, { status: err.status, headers: NO_STORE });
  }
}
