import { useTranslations } from "next-intl";
import { Badge } from "../../_components/states";

const TONE = { OPEN: "blue", PROMOTED: "green", ROLLED_BACK: "amber" } as const;

export function ReleaseStatusBadge({ status }: { status: keyof typeof TONE }) {
  const t = useTranslations("releases.status");
  return <Badge tone={TONE[status]}>{t(status)}</Badge>;
}
