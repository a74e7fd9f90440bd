import { useTranslations } from "next-intl";
import type { NodeState } from "@/lib/gateways/types";
import type { DriftKind } from "@/lib/services/state";
import { Badge, type BadgeTone } from "../../_components/states";

const STATE_TONE: Record<NodeState, BadgeTone> = { active: "green", gray: "violet", draining: "amber", down: "neutral" };

export function NodeStateBadge({ state }: { state: NodeState }) {
  const t = useTranslations("services.state");
  return <Badge tone={STATE_TONE[state]}>{t(state)}</Badge>;
}

const DRIFT_TONE: Record<DriftKind, BadgeTone> = { in_sync: "green", missing: "red", revision: "amber", ahead: "red", content: "amber" };

export function DriftBadge({ kind }: { kind: DriftKind }) {
  const t = useTranslations("services.drift");
  return (
    <span data-testid={`drift-${kind}`}>
      <Badge tone={DRIFT_TONE[kind]} title={t(`${kind}Hint`)}>
        {t(kind)}
      </Badge>
    </span>
  );
}

export function UnreachableBadge({ error }: { error: { code: string; message: string } | null }) {
  const t = useTranslations("services");
  return (
    <span data-testid="gateway-unreachable">
      <Badge tone="red" title={error ? `${error.code}: ${error.message}` : undefined}>
        {t("gateway.unreachable")}
      </Badge>
    </span>
  );
}
