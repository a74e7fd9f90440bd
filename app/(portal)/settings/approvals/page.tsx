import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { listApprovalPolicies } from "@/lib/approvals/policy";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { EmptyState, PageHeader } from "../../_components/states";
import { PolicyRow } from "./_components/policy-row";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("approvals.settings");
  return { title: t("title") };
}

export default async function ApprovalSettingsPage(_props: PageProps<"/settings/approvals">) {
  await requirePermission("approvals.configure");
  const [t, policies] = await Promise.all([getTranslations("approvals.settings"), listApprovalPolicies(db)]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      {policies.length === 0 ? (
        <EmptyState title={t("empty")} />
      ) : (
        <div className="card overflow-x-auto">
          <table className="table" data-testid="approval-policies">
            <thead>
              <tr>
                <th>{t("service")}</th>
                <th>{t("promotion")}</th>
                <th>{t("stepsAbove")}</th>
                <th>{t("managers")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {policies.map((p) => (
                <PolicyRow key={p.serviceName} policy={p} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
