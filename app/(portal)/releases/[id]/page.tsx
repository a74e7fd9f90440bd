import { getFormatter, getTimeZone, getTranslations } from "next-intl/server";
import { notFound } from "next/navigation";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { can } from "@/lib/rbac";
import { getReleaseLive } from "@/lib/releases/live";
import { getTesterLinks } from "@/lib/releases/read";
import { hasTesterKey } from "@/lib/releases/tester";
import { TesterLinks } from "../_components/tester-links";
import { ApprovalPanel } from "./_components/approval-panel";
import { NewTesterLink } from "./_components/new-tester-link";
import { ReleaseView } from "./_components/release-view";

export default async function ReleasePage(props: PageProps<"/releases/[id]">) {
  const user = await requirePermission("releases.read");
  const { id } = await props.params;
  const t = await getTranslations("releases");
  const live = await getReleaseLive(db, id);
  if (!live) notFound();
  const r = live.release;
  const canWrite = can(user.role, "releases.write");
  const open = r.status === "OPEN";
  const links = open && canWrite ? await getTesterLinks(db, r.id) : [];
  const [format, timeZone] = await Promise.all([getFormatter(), getTimeZone()]);
  const expires = r.testerExpires ? `${format.dateTime(new Date(r.testerExpires), { dateStyle: "medium", timeStyle: "medium" })} ${timeZone}` : "";

  // Tester links are secrets for operators: rendered here, shown by the live view while the release is open.
  const tester =
    open && canWrite ? (
      <div className="space-y-2">
        {r.testerExpires && new Date(r.testerExpires).getTime() > Date.now() ? (
          <TesterLinks links={links} service={r.service} expires={expires} testerKeyMissing={!hasTesterKey()} />
        ) : (
          <p className="text-sm text-amber-800">{t("tester.expired")}</p>
        )}
        <NewTesterLink id={r.id} />
      </div>
    ) : null;

  return <ReleaseView id={r.id} initial={live} canWrite={canWrite} tester={tester} approval={<ApprovalPanel releaseId={r.id} viewer={{ email: user.email, role: user.role }} />} />;
}
