"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { deleteServiceAction } from "@/lib/actions/delete-service";
import { ConfirmButton } from "../../_components/dialog";
import { useServiceAction } from "./use-service-action";

export function DeleteServiceButton({ service, revision, nodes }: { service: string; revision: number; nodes: number }) {
  const t = useTranslations("services.delete");
  const router = useRouter();
  const { run, pending } = useServiceAction(deleteServiceAction, {
    successMessage: t("done", { service }),
    onDone: (r) => {
      if (r.outcomes.every((o) => o.ok)) router.push("/services");
    },
  });
  return (
    <ConfirmButton
      label={t("button")}
      title={t("title", { service })}
      impact={t("impact", { service, nodes })}
      danger
      disabled={pending}
      onConfirm={() => run({ service, revision })}
    />
  );
}
