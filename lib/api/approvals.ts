import "server-only";
// GET /api/v1/releases/{id}/approval, POST …/approve, POST …/reject: the same server
// functions as the release page's approval panel, through the API chain (lib/api/handler.ts).
// The role gate is releases.read / releases.approve; approve and reject then check the
// service's policy (MANAGERs) and refuse the requester (self_approval) in lib/approvals/decide.ts.
import { handle, parseInput, type ApiDeps } from "@/lib/api/handler";
import { AppError } from "@/lib/errors";
import { releaseIdSchema } from "@/lib/validations/release";
import { approveApproval, rejectApproval } from "@/lib/approvals/decide";
import { getApproval } from "@/lib/approvals/read";
import { decisionSchema } from "@/lib/approvals/schema";

async function decisionInput(db: ApiDeps["db"], releaseId: string, body: unknown) {
  const b = (body ?? {}) as { id?: unknown; comment?: unknown };
  // The request id is optional for automation: the pending one of the release.
  let id = b.id;
  if (id === undefined) {
    const pending = await db.approvalRequest.findFirst({ where: { releaseId, status: "PENDING" }, select: { id: true } });
    if (!pending) throw new AppError("conflict", `release ${releaseId} has no pending approval`, { reason: "approval_not_pending" });
    id = pending.id;
  }
  return parseInput(decisionSchema, { id, comment: b.comment });
}

export const approvalsApi = {
  get: (req: Request, deps: ApiDeps, id: string) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const view = await getApproval(db, parseInput(releaseIdSchema, id, "id"));
      if (!view) throw new AppError("not_found", `release ${id} not found`);
      return view;
    }),
  approve: (req: Request, deps: ApiDeps, id: string) =>
    handle(req, deps, "releases.approve", async ({ db, actor }, body) => {
      const releaseId = parseInput(releaseIdSchema, id, "id");
      return approveApproval(db, actor, releaseId, await decisionInput(db, releaseId, body));
    }),
  reject: (req: Request, deps: ApiDeps, id: string) =>
    handle(req, deps, "releases.approve", async ({ db, actor }, body) => {
      const releaseId = parseInput(releaseIdSchema, id, "id");
      return rejectApproval(db, actor, releaseId, await decisionInput(db, releaseId, body));
    }),
};
