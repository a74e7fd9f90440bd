"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Spinner } from "./form";

/** A modal built on <dialog>: focus trap, Esc to close and backdrop come from the browser. */
export function Modal({ open, onClose, title, children }: { open: boolean; onClose: () => void; title: string; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      onClose={onClose}
      aria-label={title}
      className="m-auto w-[calc(100%-2rem)] max-w-lg rounded-lg border border-slate-200 bg-white p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      {open ? (
        <div className="p-5">
          <h2 className="mb-4 text-lg font-semibold">{title}</h2>
          {children}
        </div>
      ) : null}
    </dialog>
  );
}

/**
 * A button that asks first. `impact` says what will happen in words people can weigh
 * ("leaves 2 of 4 nodes in the stable pool"). onConfirm may be async; the dialog stays
 * open (and busy) until it settles, and stays open when it returns false (invalid input:
 * the errors show in `impact`, the value is kept). `confirmDisabled` holds Confirm back
 * until the dialog's own conditions are met (e.g. a force box ticked).
 */
export function ConfirmButton({
  label,
  title,
  impact,
  confirmLabel,
  onConfirm,
  danger = false,
  className,
  disabled,
  confirmDisabled = false,
}: {
  label: ReactNode;
  title: string;
  impact: ReactNode;
  confirmLabel?: string;
  onConfirm: () => unknown | Promise<unknown>;
  danger?: boolean;
  className?: string;
  disabled?: boolean;
  confirmDisabled?: boolean;
}) {
  const t = useTranslations("common");
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button type="button" className={className ?? `btn btn-sm ${danger ? "text-red-700" : ""}`} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <Modal open={open} onClose={() => !busy && setOpen(false)} title={title}>
        <div className="mb-5 text-sm text-slate-700">{impact}</div>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" disabled={busy} onClick={() => setOpen(false)}>
            {t("cancel")}
          </button>
          <button
            type="button"
            className={`btn ${danger ? "btn-danger" : "btn-primary"}`}
            disabled={busy || confirmDisabled}
            onClick={async () => {
              setBusy(true);
              let keepOpen = false;
              try {
                keepOpen = (await onConfirm()) === false;
              } finally {
                setBusy(false);
                if (!keepOpen) setOpen(false);
              }
            }}
          >
            {busy ? <Spinner /> : null}
            {confirmLabel ?? t("confirm")}
          </button>
        </div>
      </Modal>
    </>
  );
}
