"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { deleteGatewayAction } from "@/lib/actions/delete-gateway";
import { syncGatewayAction } from "@/lib/actions/sync-gateway";
import { testGatewayAction } from "@/lib/actions/test-gateway";
import { gatewayErrorMessage } from "@/lib/i18n/gateway-errors";
import { ConfirmButton } from "../../_components/dialog";
import { Spinner } from "../../_components/form";
import { useToast } from "../../_components/toaster";
import { useAction } from "../../_components/use-action";
import { GatewayFormButton } from "./gateway-form";

export function GatewayRowActions({ gateway }: { gateway: { id: string; name: string; adminUrl: string; proxyUrl: string | null; group?: string } }) {
  const t = useTranslations("gateways");
  const tErrors = useTranslations("errors");
  const router = useRouter();
  const toast = useToast();

  const test = useAction(testGatewayAction, {
    onSuccess(probe) {
      if (probe.reachable) {
        toast.show("success", t("toast.testOk", { name: gateway.name, version: probe.nginxVersion ?? "?", ms: probe.durationMs }));
      } else {
        toast.show("error", t("toast.testFailed", { name: gateway.name, error: gatewayErrorMessage(tErrors, probe.error) }));
      }
      router.refresh();
    },
  });
  const sync = useAction(syncGatewayAction, {
    onSuccess(report) {
      if (report.error) {
        toast.show("error", t("toast.syncUnreachable", { name: gateway.name, error: gatewayErrorMessage(tErrors, report.error) }));
      } else {
        const pushed = report.services.filter((s) => s.drift !== "in_sync");
        const failed = pushed.filter((s) => !s.ok);
        if (failed.length) {
          const lines = failed.map((s) => `${s.service}: ${gatewayErrorMessage(tErrors, { code: s.code ?? "unknown", message: s.message })}`);
          toast.show("error", [t("toast.syncFailed", { name: gateway.name, failed: failed.length, total: pushed.length }), ...lines].join("\n"));
        } else {
          toast.show("success", t("toast.synced", { name: gateway.name, pushed: pushed.length, total: report.services.length }));
        }
      }
      router.refresh();
    },
  });
  const remove = useAction(deleteGatewayAction, {
    successMessage: (d) => t("toast.removed", { name: d.name }),
    onSuccess: () => router.refresh(),
  });

  return (
    <div className="flex flex-wrap justify-end gap-1.5">
      <button type="button" className="btn btn-sm" disabled={test.pending} onClick={() => void test.run({ id: gateway.id })}>
        {test.pending ? <Spinner /> : null}
        {t("test")}
      </button>
      <button type="button" className="btn btn-sm" disabled={sync.pending} onClick={() => void sync.run({ id: gateway.id })}>
        {sync.pending ? <Spinner /> : null}
        {t("sync")}
      </button>
      <GatewayFormButton mode="edit" gateway={gateway} />
      <ConfirmButton
        danger
        label={t("remove")}
        title={t("removeConfirm.title", { name: gateway.name })}
        impact={t("removeConfirm.impact", { name: gateway.name })}
        confirmLabel={t("remove")}
        onConfirm={() => remove.run({ id: gateway.id })}
      />
    </div>
  );
}
