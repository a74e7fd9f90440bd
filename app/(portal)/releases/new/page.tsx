import { getTranslations } from "next-intl/server";
import { requirePermission } from "@/lib/auth";
import { db } from "@/lib/db";
import { normalizeGray } from "@/lib/services/state";
import { PageHeader } from "../../_components/states";
import { StartReleaseForm, type ServiceOption } from "../_components/start-release-form";

export default async function NewReleasePage(props: PageProps<"/releases/new">) {
  await requirePermission("releases.write");
  const t = await getTranslations("releases.new");
  const sp = await props.searchParams;
  const rows = await db.service.findMany({
    select: {
      name: true,
      gray: true,
      nodes: { select: { addr: true, state: true }, orderBy: [{ createdAt: "asc" }, { addr: "asc" }] },
      releases: { where: { status: "OPEN" }, select: { id: true } },
    },
    orderBy: { name: "asc" },
  });
  const services: ServiceOption[] = rows.map((r) => {
    const gray = normalizeGray(r.gray);
    return { name: r.name, nodes: r.nodes, openReleaseId: r.releases[0]?.id ?? null, staticMatchers: { header: gray.header, cookie: gray.cookie } };
  });
  const wanted = typeof sp.service === "string" ? sp.service : "";
  return (
    <div>
      <PageHeader title={t("title")} description={t("description")} />
      <StartReleaseForm services={services} initialService={services.some((s) => s.name === wanted) ? wanted : ""} />
    </div>
  );
}
