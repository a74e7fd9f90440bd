import { getTranslations } from "next-intl/server";
import Link from "@/app/(portal)/_components/link";
import { requirePermission } from "@/lib/auth";
import { PageHeader } from "../../_components/states";
import { NewServiceForm } from "../_components/new-service-form";

export default async function NewServicePage(_props: PageProps<"/services/new">) {
  await requirePermission("services.write");
  const t = await getTranslations("services");
  return (
    <div className="max-w-3xl">
      <Link href="/services" className="text-sm text-slate-500 hover:underline">
        ← {t("detail.back")}
      </Link>
      <PageHeader title={t("form.newTitle")} description={t("form.newDescription")} />
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        <NewServiceForm />
      </div>
    </div>
  );
}
