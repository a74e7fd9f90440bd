import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { listApprovalPolicies } from "@/lib/approvals/policy";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { CardTable } from "../../_components/data-table";
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
        <CardTable testId="approval-policies" columns={[t("service"), t("promotion"), t("stepsAbove"), t("managers"), ""]}>
          {policies.map((p) => (
            <PolicyRow key={p.serviceName} policy={p} />
          ))}
        </CardTable>
      )}
    </>
  );
}
