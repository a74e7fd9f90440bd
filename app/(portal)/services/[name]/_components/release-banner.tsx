import { useTranslations } from "next-intl";
import Link from "@/app/(portal)/_components/link";
import type { OpenReleaseRef } from "@/lib/releases/target-guard";

/** The service's open release: where its targets' changes go. */
export function ReleaseBanner({ release, percent }: { release: OpenReleaseRef; percent: number }) {
  const t = useTranslations("services.release");
  return (
    <div role="status" data-testid="open-release-banner" className="rounded-lg border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900">
      <p>
        {t("open", { version: release.version, targets: release.targets.join(", "), percent })}{" "}
        <Link href={`/releases/${encodeURIComponent(release.id)}`} className="font-medium underline">
          {t("view")}
        </Link>
      </p>
      <p className="mt-1 text-xs text-sky-800">{t("targetsLocked")}</p>
    </div>
  );
}
