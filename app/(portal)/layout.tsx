import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { toAppError } from "@/lib/http/errors";
import { getSessionUser, requirePageAccess, type SessionUser } from "@/lib/auth";
import { can } from "@/lib/rbac";
import { LanguageSwitch } from "./_components/language-switch";
import { NavLinks, type NavItem } from "./_components/nav-links";
import { DbDownBanner } from "./_components/states";
import { UserMenu } from "./_components/user-menu";

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const t = await getTranslations("common");
  let user: SessionUser | null;
  try {
    user = await getSessionUser();
  } catch (e) {
    if (toAppError(e).code !== "database_unavailable") throw e;
    return (
      <Shell nav={null} right={<LanguageSwitch />} brand={t("brand")}>
        <DbDownBanner />
      </Shell>
    );
  }
  if (!user) redirect("/login");
  // Here rather than only in the page: the layout renders before the loading boundary, so a
  // page the role may not open answers HTTP 403 instead of streaming the 403 page with a 200.
  await requirePageAccess(user);

  // Only pages that exist; Releases joins when its page lands (issue 5).
  const items: NavItem[] = [
    { href: "/services", label: t("nav.services") },
    { href: "/releases", label: t("nav.releases") },
    { href: "/audit", label: t("nav.audit") },
    { href: "/gateways", label: t("nav.gateways") },
    ...(can(user.role, "users.read") ? [{ href: "/users", label: t("nav.users") }] : []),
    ...(can(user.role, "webhooks.read") ? [{ href: "/settings/notifications", label: t("nav.notifications") }] : []),
    ...(can(user.role, "approvals.configure") ? [{ href: "/settings/approvals", label: t("nav.approvals") }] : []),
    { href: "/settings", label: t("nav.settings") },
  ];
  return (
    <Shell
      brand={t("brand")}
      nav={<NavLinks items={items} />}
      right={
        <>
          <LanguageSwitch />
          <UserMenu name={user.name} email={user.email} role={user.role} />
        </>
      }
    >
      {children}
    </Shell>
  );
}

function Shell({ brand, nav, right, children }: { brand: string; nav: ReactNode; right: ReactNode; children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="border-b border-slate-200 bg-slate-100">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
          <Link href="/" className="font-semibold tracking-tight text-slate-900">
            {brand}
          </Link>
          <div className="order-3 w-full min-w-0 sm:order-none sm:w-auto sm:flex-1">{nav}</div>
          <div className="ml-auto flex items-center gap-2">{right}</div>
        </div>
      </header>
      <main className="mx-auto w-full max-w-7xl flex-1 px-4 py-6">{children}</main>
    </div>
  );
}
