import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { listApiTokens } from "@/lib/api-tokens";
import { requirePermission } from "@/lib/auth";
import { DEFAULT_TIME_ZONE } from "@/lib/i18n/locales";
import { PageHeader } from "../_components/states";
import { RoleBadge } from "../_components/user-menu";
import { ApiTokens } from "./_components/api-tokens";
import { ProfileForm } from "./_components/profile-form";
import { SignOutEverywhere } from "./_components/sign-out-everywhere";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("settings");
  return { title: t("title") };
}

function timeZones(): string[] {
  const zones = Intl.supportedValuesOf("timeZone");
  return zones.includes(DEFAULT_TIME_ZONE) ? zones : [DEFAULT_TIME_ZONE, ...zones];
}

export default async function SettingsPage(_props: PageProps<"/settings">) {
  const user = await requirePermission("profile.write");
  const [t, tokens] = await Promise.all([getTranslations("settings"), listApiTokens(user.id)]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} />
      <div className="grid gap-6 lg:grid-cols-2">
        <section className="card p-5">
          <div className="mb-4 flex flex-wrap items-center justify-between gap-2">
            <h2 className="text-base font-semibold">{t("profile.title")}</h2>
            <span className="flex items-center gap-2 text-sm text-slate-600">
              {user.email} <RoleBadge role={user.role} />
            </span>
          </div>
          <ProfileForm name={user.name} locale={user.locale ?? ""} timeZone={user.timeZone ?? ""} timeZones={timeZones()} />
        </section>
        <section className="card p-5">
          <h2 className="mb-1 text-base font-semibold">{t("tokens.title")}</h2>
          <p className="mb-4 text-sm text-slate-500">{t("tokens.description")}</p>
          <ApiTokens tokens={tokens} />
        </section>
        <section className="card p-5">
          <h2 className="mb-1 text-base font-semibold">{t("sessions.title")}</h2>
          <p className="mb-4 text-sm text-slate-500">{t("sessions.description")}</p>
          <SignOutEverywhere />
        </section>
      </div>
    </>
  );
}
