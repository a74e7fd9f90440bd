import { db } from "@/lib/db";
import { enrollRoute } from "@/lib/enroll/api";

export const dynamic = "force-dynamic";

/** A gateway registers itself with an enrollment token (lua/graylane/enroll.lua). */
export function POST(req: Request) {
  return enrollRoute(req, { db });
}
