import "server-only";
// The release automation API (app/api/v1/releases/**): the same server functions as the
// UI actions, behind a per-user API token (or the session, for the portal's own pages),
// limited to the user's role through lib/rbac and audited with the token's user as actor.
// The chain (auth, CSRF guard, permission, input, error shape) is lib/api/handler.ts.
import { promoteRelease, renewTesterLink, rollbackRelease, startRelease, stepRelease } from "@/lib/releases/mutations";
import { pauseRelease, resumeRelease } from "@/lib/releases/pause";
import { getLiveSplit, getRelease, getTesterLinks, listReleases, previewStart, previewStep } from "@/lib/releases/read";
import { AppError } from "@/lib/errors";
import { pauseReleaseSchema, previewQuerySchema, startReleaseSchema, stepReleaseSchema, rollbackReleaseSchema, releaseIdSchema, renewTesterLinkSchema } from "@/lib/validations/release";
import { handle, parseInput, type ApiDeps } from "./handler";

export type { ResolveUser } from "./handler";

// ---- the operations, shared by the route files and the tests ----

type Deps = ApiDeps;

const STATUSES = ["OPEN", "PROMOTED", "ROLLED_BACK"] as const;

export const releasesApi = {
  list: (req: Request, deps: Deps) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const q = new URL(req.url).searchParams;
      const status = q.get("status");
      if (status && !(STATUSES as readonly string[]).includes(status)) {
        throw new AppError("invalid_input", "bad status", { fieldErrors: { status: ["validation.status"] } });
      }
      return { releases: await listReleases(db, { service: q.get("service") ?? undefined, status: (status as (typeof STATUSES)[number]) ?? undefined }) };
    }),
  start: (req: Request, deps: Deps) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) => startRelease(db, actor, parseInput(startReleaseSchema, body)), { status: 201 }),
  get: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const r = await getRelease(db, parseInput(releaseIdSchema, id, "id"));
      if (!r) throw new AppError("not_found", `release ${id} not found`);
      return { release: r };
    }),
  step: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) =>
      stepRelease(db, actor, parseInput(stepReleaseSchema, { ...(body as object), id })),
    ),
  promote: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }) => promoteRelease(db, actor, { id: parseInput(releaseIdSchema, id, "id") })),
  rollback: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) =>
      rollbackRelease(db, actor, parseInput(rollbackReleaseSchema, { ...(body as object), id })),
    ),
  /** Pause: the runner stops advancing the release (a breach still rolls it back). */
  pause: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }) => pauseRelease(db, actor, parseInput(pauseReleaseSchema, { id }))),
  resume: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }) => resumeRelease(db, actor, parseInput(pauseReleaseSchema, { id }))),
  split: (req: Request, deps: Deps, id: string) => handle(req, deps, "releases.read", async ({ db }) => getLiveSplit(db, parseInput(releaseIdSchema, id, "id"))),
  preview: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const p = new URL(req.url).searchParams.get("percent");
      const { percent } = parseInput(previewQuerySchema, { percent: p === null || p === "" ? undefined : p });
      return previewStep(db, parseInput(releaseIdSchema, id, "id"), percent);
    }),
  previewStart: (req: Request, deps: Deps) =>
    handle(req, deps, "releases.read", async ({ db }) => {
      const q = new URL(req.url).searchParams;
      return previewStart(db, q.get("service") ?? "", q.getAll("target"), q.get("keepStaticMatchers") === "1");
    }),
  /** A new tester link: new expiry and cookie name; every earlier tester cookie stops routing to gray. */
  renewTesterLink: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db, actor }, body) => {
      const result = await renewTesterLink(db, actor, parseInput(renewTesterLinkSchema, { ...(body as object), id }));
      return { ...result, links: await getTesterLinks(db, result.releaseId) };
    }),
  testerLinks: (req: Request, deps: Deps, id: string) =>
    handle(req, deps, "releases.write", async ({ db }) => ({ links: await getTesterLinks(db, parseInput(releaseIdSchema, id, "id")) })),
};
