import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { redirect } from "next/navigation";
import { getSessionUser } from "@/lib/auth";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { LanguageSwitch } from "../../(portal)/_components/language-switch";
import { LoginForm } from "./login-form";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("auth.login");
  return { title: t("title") };
}

export default async function LoginPage({ searchParams }: PageProps<"/login">) {
  const params = await searchParams;
  // Only same-origin paths, so the login page cannot be used to bounce people elsewhere.
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  // A disabled user may still hold a valid cookie: only a live user skips the form.
  const user = await getSessionUser().catch(() => null);
  if (user) redirect(callbackUrl);
  const t = await getTranslations("auth.login");
  return (
    <main className="flex min-h-dvh items-center justify-center px-4 py-10">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-between">
          <span className="text-lg font-semibold tracking-tight">Graylane</span>
          <LanguageSwitch />
        </div>
        <div className="card p-6">
          <h1 className="mb-1 text-xl font-semibold">{t("title")}</h1>
          <p className="mb-5 text-sm text-slate-500">{t("subtitle")}</p>
          <LoginForm callbackUrl={callbackUrl} />
        </div>
      </div>
    </main>
  );
}
