import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { requirePermission } from "@/lib/auth";
import { listUsers } from "@/lib/users";
import { CardTable } from "../_components/data-table";
import { DateTime } from "../_components/date-time";
import { Badge, PageHeader } from "../_components/states";
import { RoleBadge } from "../_components/user-menu";
import { CreateUserButton } from "./_components/create-user";
import { UserRowActions } from "./_components/user-row-actions";

export async function generateMetadata(): Promise<Metadata> {
  const t = await getTranslations("users");
  return { title: t("title") };
}

export default async function UsersPage(_props: PageProps<"/users">) {
  const me = await requirePermission("users.read");
  const [t, users] = await Promise.all([getTranslations("users"), listUsers()]);
  return (
    <>
      <PageHeader title={t("title")} description={t("description")} actions={<CreateUserButton />} />
      <CardTable testId="users-table" columns={[t("columns.user"), t("columns.role"), t("columns.status"), t("columns.created"), { right: t("columns.actions") }]}>
        {users.map((u) => (
          <tr key={u.id} data-testid={`user-row-${u.email}`}>
            <td>
              <p className="font-medium">{u.name || u.email}</p>
              {u.name ? <p className="text-xs text-slate-500">{u.email}</p> : null}
              {u.id === me.id ? <Badge tone="blue">{t("you")}</Badge> : null}
            </td>
            <td>
              <RoleBadge role={u.role} />
            </td>
            <td>{u.disabled ? <Badge tone="red">{t("status.disabled")}</Badge> : <Badge tone="green">{t("status.enabled")}</Badge>}</td>
            <td className="text-xs whitespace-nowrap text-slate-600">
              <DateTime value={u.createdAt} />
            </td>
            <td className="text-right">
              <UserRowActions user={{ id: u.id, email: u.email, role: u.role, disabled: u.disabled }} isSelf={u.id === me.id} />
            </td>
          </tr>
        ))}
      </CardTable>
    </>
  );
}
