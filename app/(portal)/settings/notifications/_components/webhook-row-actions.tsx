"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { deleteWebhookAction } from "@/lib/notifications/actions/delete-webhook";
import { rotateWebhookSecretAction } from "@/lib/notifications/actions/rotate-webhook-secret";
import { sendTestWebhookAction } from "@/lib/notifications/actions/send-test-webhook";
import type { WebhookView } from "@/lib/notifications/webhooks";
import { ConfirmButton } from "../../../_components/dialog";
import { useToast } from "../../../_components/toaster";
import { useAction } from "../../../_components/use-action";
import { WebhookFormButton, WebhookSecretModal } from "./webhook-form";

export function WebhookRowActions({ webhook }: { webhook: WebhookView }) {
  const t = useTranslations("notifications");
  const router = useRouter();
  const toast = useToast();
  const [secret, setSecret] = useState<string | null>(null);
  const test = useAction(sendTestWebhookAction, {
    onSuccess: (d) => {
      const params = { status: d.lastStatus ?? 0, error: d.lastError ?? "" };
      toast.show(d.status === "DELIVERED" ? "success" : "error", t(`testResult.${d.status}`, params));
      router.refresh();
    },
  });
  const rotate = useAction(rotateWebhookSecretAction, { onSuccess: (d) => setSecret(d.secret) });
  const remove = useAction(deleteWebhookAction, {
    successMessage: (d) => t("deleted", { name: d.name }),
    onSuccess: () => {
      router.push("/settings/notifications");
      router.refresh();
    },
  });
  return (
    <span className="inline-flex flex-wrap justify-end gap-1">
      <button type="button" className="btn btn-sm" disabled={test.pending} onClick={() => void test.run({ id: webhook.id })} data-testid={`webhook-test-${webhook.name}`}>
        {t("sendTest")}
      </button>
      <WebhookFormButton mode="edit" webhook={webhook} />
      <ConfirmButton
        label={t("rotate")}
        title={t("rotateConfirm.title", { name: webhook.name })}
        impact={t("rotateConfirm.impact")}
        confirmLabel={t("rotate")}
        onConfirm={() => rotate.run({ id: webhook.id })}
      />
      <ConfirmButton
        danger
        label={t("delete")}
        title={t("deleteConfirm.title", { name: webhook.name })}
        impact={t("deleteConfirm.impact")}
        confirmLabel={t("delete")}
        onConfirm={() => remove.run({ id: webhook.id })}
      />
      {secret ? (
        <WebhookSecretModal name={webhook.name} secret={secret} onClose={() => setSecret(null)} />
      ) : null}
    </span>
  );
}
