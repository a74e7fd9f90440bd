import { apiDeps } from "@/lib/api/deps";
import { enrollApi } from "@/lib/api/enroll";

export const dynamic = "force-dynamic";

/** A gateway registers itself with an enrollment token (lua/graylane/enroll.lua). */
export function POST(req: Request) {
  return enrollApi.enroll(req, apiDeps);
}
