"use client";

import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import Link from "@/app/(portal)/_components/link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { Role } from "@/lib/rbac";
import { Badge } from "./states";

const ROLE_TONE = { ADMIN: "violet", OPERATOR: "blue", MANAGER: "neutral" } as const;

export function RoleBadge({ role }: { role: Role }) {
  const t = useTranslations("common.roles");
  return <Badge tone={ROLE_TONE[role]}>{t(role)}</Badge>;
}

export function UserMenu({ name, email, role }: { name: string; email: string; role: Role }) {
  const t = useTranslations("common");
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);
  return (
    <div ref={ref} className="relative">
      <button
        type="button"
        className="flex items-center gap-2 rounded-md px-2 py-1 text-sm hover:bg-slate-200"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="user-menu"
        onClick={() => setOpen((o) => !o)}
      >
        <span className="max-w-[10rem] truncate">{name || email}</span>
        <RoleBadge role={role} />
      </button>
      {open ? (
        <div role="menu" className="absolute right-0 z-40 mt-1 w-56 rounded-md border border-slate-200 bg-white py-1 text-sm shadow-lg">
          <p className="truncate px-3 py-2 text-xs text-slate-500">{email}</p>
          <Link role="menuitem" href="/settings" className="block px-3 py-2 hover:bg-slate-100" onClick={() => setOpen(false)}>
            {t("nav.settings")}
          </Link>
          <button
            role="menuitem"
            type="button"
            className="block w-full px-3 py-2 text-left hover:bg-slate-100"
            onClick={async () => {
              await signOut({ redirect: false });
              router.push("/login");
              router.refresh();
            }}
          >
            {t("signOut")}
          </button>
        </div>
      ) : null}
    </div>
  );
}
