// Scheduled plans (issue 16): each traffic step holds its share for a dwell time (minutes),
// until an approval, or until a person steps. Pure functions: the runner (analyzer.ts), the
// step function (mutations.ts) and the release page (read.ts) share them.

export type Dwell = number | "approval" | "manual";
export type PlanStep = { percent: number; dwell: Dwell };

/** The stored plan (Release.plan), or null for a release started with a plain steps list. */
export function storedPlan(raw: unknown): PlanStep[] | null {
  if (!Array.isArray(raw)) return null;
  const out: PlanStep[] = [];
  for (const s of raw) {
    if (!s || typeof s !== "object") return null;
    const { percent, dwell } = s as { percent?: unknown; dwell?: unknown };
    if (typeof percent !== "number") return null;
    if (dwell !== "approval" && dwell !== "manual" && typeof dwell !== "number") return null;
    out.push({ percent, dwell });
  }
  return out;
}

/**
 * The plan as the release page shows it: the stored one, or the plain steps list read as
 * today's semantics (auto-advance after the analyzer's dwell, else manual steps).
 */
export function effectivePlan(r: { plan: unknown; steps: readonly number[]; autoAdvance: boolean }, autoDwellMs: number): PlanStep[] {
  return storedPlan(r.plan) ?? r.steps.map((percent) => ({ percent, dwell: r.autoAdvance ? autoDwellMs / 60_000 : "manual" }));
}

/** The current step's gate when the release follows a stored plan and a next step exists. */
export function stepGate(plan: readonly PlanStep[] | null, currentStep: number): Dwell | null {
  if (!plan || currentStep < 0 || currentStep + 1 >= plan.length) return null;
  return plan[currentStep].dwell;
}

/**
 * Is the release held at its current step until an approval? Then the way out of it — the next
 * step, or the promotion from the plan's last step — needs an approved request, whoever asks.
 */
export function heldForApproval(plan: readonly PlanStep[] | null, currentStep: number): boolean {
  return Boolean(plan && currentStep >= 0 && plan[currentStep]?.dwell === "approval");
}

export type NextTransition =
  /** Before the first traffic step: a person takes it (the tester phase comes first). */
  | { kind: "first" }
  | { kind: "timed"; at: string }
  | { kind: "approval" }
  | { kind: "manual" }
  | { kind: "paused" }
  /** Last step reached: a person promotes (or rolls back). */
  | { kind: "end" };

/** What moves the release next, and when (ISO), from its plan, step and step start. */
export function nextTransition(plan: readonly PlanStep[], currentStep: number, stepStartedAt: string | undefined, paused: boolean): NextTransition {
  if (paused) return { kind: "paused" };
  if (currentStep < 0) return { kind: "first" };
  if (currentStep + 1 >= plan.length) return plan[currentStep]?.dwell === "approval" ? { kind: "approval" } : { kind: "end" };
  const dwell = plan[currentStep].dwell;
  if (dwell === "approval" || dwell === "manual") return { kind: dwell };
  const from = stepStartedAt ? Date.parse(stepStartedAt) : NaN;
  if (!Number.isFinite(from)) return { kind: "manual" };
  return { kind: "timed", at: new Date(from + dwell * 60_000).toISOString() };
}

/** Is the timed dwell of the current step over at `now`? (approval gates are always "due": the request is what waits.) */
export function dwellDue(plan: readonly PlanStep[], currentStep: number, stepStartedAt: string | undefined, now: number): boolean {
  const gate = stepGate(plan, currentStep);
  if (gate === null || gate === "manual") return false;
  if (gate === "approval") return true;
  const from = stepStartedAt ? Date.parse(stepStartedAt) : NaN;
  return Number.isFinite(from) && now - from >= gate * 60_000;
}
