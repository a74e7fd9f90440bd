"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { createEnrollTokenAction, revokeEnrollTokenAction } from "@/lib/enroll/actions";
import type { EnrollTokenView } from "@/lib/enroll/tokens";
import { DateTime } from "../../_components/date-time";
import { ConfirmButton } from "../../_components/dialog";
import { SubmitButton, TextField } from "../../_components/form";
import { SecretReveal } from "../../_components/secret-reveal";
import { Badge, EmptyState } from "../../_components/states";
import { formToObject, useAction } from "../../_components/use-action";

/** ADMIN only (the page renders it for gateways.write; the actions check again on the server). */
export function EnrollTokens({ tokens, portalUrl }: { tokens: EnrollTokenView[]; portalUrl: string }) {
  const t = useTranslations("gateways.enroll");
  const tc = useTranslations("common");
  const router = useRouter();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useAction(createEnrollTokenAction, {
    onSuccess(d) {
      setCreated({ name: d.name, token: d.token });
      router.refresh();
    },
  });
  const revoke = useAction(revokeEnrollTokenAction, {
    successMessage: (d) => t("revoked", { name: d.name }),
    onSuccess: () => router.refresh(),
  });

  return (
    <section className="card space-y-4 p-4" data-testid="enroll-tokens">
      <div>
        <h2 className="text-base font-semibold">{t("title")}</h2>
        <p className="text-sm text-slate-600">{t("description")}</p>
      </div>
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-[1fr_8rem_auto] sm:items-start"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const v = formToObject(form);
          void create.run({ name: v.name ?? "", expiresInDays: v.expiresInDays ?? "0" }).then((r) => r.ok && form.reset());
        }}
      >
        <TextField label={t("name")} name="name" placeholder={t("namePlaceholder")} errors={create.fieldErrors.name} autoComplete="off" />
        <TextField label={t("expiresInDays")} name="expiresInDays" type="number" min={0} max={3650} defaultValue="0" errors={create.fieldErrors.expiresInDays} hint={t("expiresHint")} />
        <div className="sm:pt-6">
          <SubmitButton pending={create.pending}>{t("create")}</SubmitButton>
        </div>
      </form>
      {created ? (
        <div className="space-y-2">
          <SecretReveal label={t("createdLabel", { name: created.name })} value={created.token} warning={t("shownOnce")} />
          <pre className="overflow-x-auto rounded bg-slate-100 p-2 text-xs">{`GRAYLANE_PORTAL_URL=${portalUrl} GRAYLANE_ENROLL_TOKEN=<token> GRAYLANE_GATEWAY_GROUP=default npm run gateway`}</pre>
          <button type="button" className="btn btn-sm" onClick={() => setCreated(null)}>
            {tc("dismiss")}
          </button>
        </div>
      ) : null}
      {tokens.length === 0 ? (
        <EmptyState title={t("empty")} />
      ) : (
        <div className="overflow-x-auto">
          <table className="table" data-testid="enroll-tokens-table">
            <thead>
              <tr>
                <th>{t("columns.name")}</th>
                <th>{t("columns.createdBy")}</th>
                <th>{t("columns.gateways")}</th>
                <th>{t("columns.lastUsed")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((tok) => {
                const expired = tok.expiresAt !== null && new Date(tok.expiresAt) <= new Date();
                return (
                  <tr key={tok.id} data-testid={`enroll-token-${tok.name}`}>
                    <td>
                      <p className="font-medium">{tok.name}</p>
                      <p className="font-mono text-xs text-slate-500">{tok.prefix}…</p>
                      {tok.revokedAt ? <Badge tone="red">{t("status.revoked")}</Badge> : expired ? <Badge tone="amber">{t("status.expired")}</Badge> : null}
                      {tok.expiresAt && !tok.revokedAt && !expired ? (
                        <p className="text-xs text-slate-500">
                          {t("expires")} <DateTime value={tok.expiresAt} />
                        </p>
                      ) : null}
                    </td>
                    <td className="text-xs text-slate-600">
                      {tok.createdByEmail}
                      <br />
                      <DateTime value={tok.createdAt} />
                    </td>
                    <td className="text-sm">{tok.gateways}</td>
                    <td className="text-xs text-slate-600">{tok.lastUsedAt ? <DateTime value={tok.lastUsedAt} /> : tc("never")}</td>
                    <td className="text-right">
                      {tok.revokedAt ? null : (
                        <ConfirmButton
                          danger
                          label={t("revoke")}
                          title={t("revokeConfirm.title", { name: tok.name })}
                          impact={t("revokeConfirm.impact")}
                          confirmLabel={t("revoke")}
                          onConfirm={() => revoke.run({ id: tok.id })}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
