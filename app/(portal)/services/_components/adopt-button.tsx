"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { adoptServiceAction } from "@/lib/actions/adopt-service";
import { ConfirmButton } from "../../_components/dialog";
import { useServiceAction } from "./use-service-action";

/** Imports an unmanaged service from the chosen gateway into the database. */
export function AdoptButton({ service, gateways }: { service: string; gateways: { id: string; name: string }[] }) {
  const t = useTranslations("services.unmanaged");
  const router = useRouter();
  const [gatewayId, setGatewayId] = useState(gateways[0]?.id ?? "");
  const { run } = useServiceAction(adoptServiceAction, {
    successMessage: t("adopted", { service }),
    onDone: () => router.push(`/services/${encodeURIComponent(service)}`),
  });
  return (
    <ConfirmButton
      label={t("adopt")}
      title={t("adoptTitle", { service })}
      confirmLabel={t("adopt")}
      impact={
        <div className="space-y-3">
          <p>{t("adoptImpact")}</p>
          {gateways.length > 1 ? (
            <label className="block">
              <span className="text-xs font-medium">{t("adoptFrom")}</span>
              <select className="input mt-1" value={gatewayId} onChange={(e) => setGatewayId(e.target.value)}>
                {gateways.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </div>
      }
      onConfirm={() => run({ service, gatewayId })}
    />
  );
}
