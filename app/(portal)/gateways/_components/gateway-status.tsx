"use client";

import { useFormatter, useTranslations } from "next-intl";
import { gatewayErrorMessage } from "@/lib/i18n/gateway-errors";
import type { GatewayProbe } from "@/lib/gateways/registry";
import { Badge } from "../../_components/states";

// No answer at all, as opposed to an answer that is an error (e.g. a refused token).
const NO_ANSWER = new Set(["gateway_unreachable", "gateway_timeout"]);

export function GatewayStatusCell({ probe }: { probe: GatewayProbe }) {
  const t = useTranslations("gateways.status");
  const tErrors = useTranslations("errors");
  const format = useFormatter();
  if (!probe.reachable) {
    return (
      <div className="space-y-1" data-testid="gateway-status">
        <Badge tone="red">{NO_ANSWER.has(probe.error.code) ? t("unreachable") : t("error")}</Badge>
        <p className="max-w-xs text-xs break-words text-red-800">
          {/* Without a message the viewer is not an administrator: the code only. */}
          {probe.error.message ? gatewayErrorMessage(tErrors, probe.error) : t("codeOnly", { code: probe.error.code })}
        </p>
      </div>
    );
  }
  return (
    <div className="space-y-1" data-testid="gateway-status">
      <Badge tone="green">{t("reachable")}</Badge>
      <p className="text-xs text-slate-600">
        {[
          probe.nginxVersion ? t("version", { version: probe.nginxVersion }) : null,
          probe.uptimeSeconds !== null ? t("uptime", { uptime: formatUptime(probe.uptimeSeconds, format) }) : null,
          probe.workers !== null ? t("workers", { count: probe.workers }) : null,
        ]
          .filter(Boolean)
          .join(" · ")}
      </p>
    </div>
  );
}

function formatUptime(seconds: number, format: ReturnType<typeof useFormatter>): string {
  const units: [Intl.NumberFormatOptions["unit"], number][] = [
    ["day", 86400],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1],
  ];
  const [unit, size] = units.find(([, s]) => seconds >= s) ?? units[3];
  return format.number(Math.floor(seconds / size), { style: "unit", unit, unitDisplay: "long" });
}
