"use client";

import { useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { type ReactNode, useState } from "react";
import type { ActionResult } from "@/lib/actions/safe-action";
import { DateTime } from "./date-time";
import { ConfirmButton } from "./dialog";
import { SubmitButton, TextField } from "./form";
import { SecretReveal } from "./secret-reveal";
import { Badge, EmptyState } from "./states";
import { submitValues, useAction } from "./use-action";

export type TokenRow = {
  id: string;
  name: string;
  prefix: string;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

/** A column between the token's name and "last used": header `<namespace>.columns.<key>`. */
export type TokenColumn<T> = { key: string; className: string; cell: (token: T) => ReactNode };

type Props<T extends TokenRow> = {
  tokens: T[];
  /** Messages: name, namePlaceholder, expiresInDays, expiresHint, create, createdLabel, shownOnce,
   * empty, expires, revoke, revoked, revokeConfirm.{title,impact}, status.{revoked,expired}, columns.*. */
  namespace: string;
  createAction: (input: { name: string; expiresInDays: string }) => Promise<ActionResult<{ name: string; token: string }>>;
  revokeAction: (input: { id: string }) => Promise<ActionResult<{ name: string }>>;
  defaultExpiresInDays: string;
  /** data-testid of the table (`<prefix>s-table`) and of each row (`<prefix>-<name>`). */
  testIdPrefix: string;
  columns: TokenColumn<T>[];
  /** Shown under the once-only secret (e.g. how to use it). */
  createdNote?: ReactNode;
};

/**
 * A list of bearer tokens: create (the secret is shown once), list with status, revoke behind a
 * confirmation. The actions check the permission on the server; this only renders.
 */
export function TokenList<T extends TokenRow>({ tokens, namespace, createAction, revokeAction, defaultExpiresInDays, testIdPrefix, columns, createdNote }: Props<T>) {
  const t = useTranslations(namespace);
  const tc = useTranslations("common");
  const router = useRouter();
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const create = useAction(createAction, {
    onSuccess(d) {
      setCreated({ name: d.name, token: d.token });
      router.refresh();
    },
  });
  const revoke = useAction(revokeAction, {
    successMessage: (d) => t("revoked", { name: d.name }),
    onSuccess: () => router.refresh(),
  });

  return (
    <>
      <form
        noValidate
        className="grid gap-3 sm:grid-cols-[1fr_8rem_auto] sm:items-start"
        onSubmit={submitValues((v, form) => {
          void create.run({ name: v.name ?? "", expiresInDays: v.expiresInDays ?? "0" }).then((r) => r.ok && form.reset());
        })}
      >
        <TextField label={t("name")} name="name" placeholder={t("namePlaceholder")} errors={create.fieldErrors.name} autoComplete="off" />
        <TextField label={t("expiresInDays")} name="expiresInDays" type="number" min={0} max={3650} defaultValue={defaultExpiresInDays} errors={create.fieldErrors.expiresInDays} hint={t("expiresHint")} />
        <div className="sm:pt-6">
          <SubmitButton pending={create.pending}>{t("create")}</SubmitButton>
        </div>
      </form>
      {created ? (
        <div className="space-y-2">
          <SecretReveal label={t("createdLabel", { name: created.name })} value={created.token} warning={t("shownOnce")} />
          {createdNote}
          <button type="button" className="btn btn-sm" onClick={() => setCreated(null)}>
            {tc("dismiss")}
          </button>
        </div>
      ) : null}
      {tokens.length === 0 ? (
        <EmptyState title={t("empty")} />
      ) : (
        <div className="overflow-x-auto">
          <table className="table" data-testid={`${testIdPrefix}s-table`}>
            <thead>
              <tr>
                <th>{t("columns.name")}</th>
                {columns.map((c) => (
                  <th key={c.key}>{t(`columns.${c.key}`)}</th>
                ))}
                <th>{t("columns.lastUsed")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((tok) => {
                const expired = tok.expiresAt !== null && new Date(tok.expiresAt) <= new Date();
                return (
                  <tr key={tok.id} data-testid={`${testIdPrefix}-${tok.name}`}>
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
                    {columns.map((c) => (
                      <td key={c.key} className={c.className}>
                        {c.cell(tok)}
                      </td>
                    ))}
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
    </>
  );
}
