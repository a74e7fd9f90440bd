import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { listEnrollTokens } from "@/lib/enroll/tokens";
import { getGatewaysLive } from "@/lib/gateways/live";
import { reconcileIntervalFromEnv } from "@/lib/reconcile/runner";
import { can } from "@/lib/rbac";
import { PageHeader } from "../_components/states";
import { EnrollTokens } from "./_components/enroll-tokens";
import { GatewayFormButton } from "./_components/gateway-form";
import { GatewaysTable } from "./_components/gateways-table";
import { ReconcileButton } from "./_components/reconcile-button";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("gateways");
  return { title: t("title") };
}

export default async function GatewaysPage(_props: PageProps<"/gateways">) {
  const user = await requirePermission("gateways.read");
  const canWrite = can(user.role, "gateways.write");
  // Error details (possibly the body of whatever answers at a wrong admin URL) only for ADMIN.
  const [t, tSync, live] = await Promise.all([getTranslations("gateways"), getTranslations("reconcile"), getGatewaysLive(db, user.role)]);
  const enrollTokens = canWrite ? await listEnrollTokens(db) : [];
  return (
    <>
      <PageHeader
        title={t("title")}
        description={
          <>
            {t("description")} {tSync("hint", { seconds: Math.round(reconcileIntervalFromEnv() / 1000) })}
          </>
        }
        actions={
          canWrite ? (
            <>
              <ReconcileButton />
              <GatewayFormButton mode="create" />
            </>
          ) : null
        }
      />
      <GatewaysTable initial={live} canWrite={canWrite} />
      {canWrite ? (
        <div className="mt-6">
          <EnrollTokens tokens={enrollTokens} portalUrl={process.env.NEXTAUTH_URL ?? "https://portal.example.com"} />
        </div>
      ) : null}
    </>
  );
}
