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
      className="m-auto w-[calc(100%-2rem)] max-w-lg rounded-lg border border-slate-200 bg-white p-0 text-left shadow-xl backdrop:bg-slate-900/40"
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

type ConfirmProps = {
  title: string;
  impact: ReactNode;
  confirmLabel?: string;
  onConfirm: () => unknown | Promise<unknown>;
  danger?: boolean;
  confirmDisabled?: boolean;
};

/**
 * Asks first. `impact` says what will happen in words people can weigh ("leaves 2 of 4 nodes
 * in the stable pool"). onConfirm may be async; the dialog stays open (and busy) until it
 * settles, and stays open when it returns false (invalid input: the errors show in `impact`,
 * the value is kept). `confirmDisabled` holds Confirm back until the dialog's own conditions
 * are met (e.g. a force box ticked). `onClose` runs on Cancel, Esc and after a confirm.
 */
export function ConfirmDialog({ open, onClose, title, impact, confirmLabel, onConfirm, danger = false, confirmDisabled = false }: ConfirmProps & { open: boolean; onClose: () => void }) {
  const t = useTranslations("common");
  const [busy, setBusy] = useState(false);
  return (
    <Modal open={open} onClose={() => !busy && onClose()} title={title}>
      <div className="mb-5 text-sm text-slate-700">{impact}</div>
      <div className="flex justify-end gap-2">
        <button type="button" className="btn" disabled={busy} onClick={onClose}>
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
              if (!keepOpen) onClose();
            }
          }}
        >
          {busy ? <Spinner /> : null}
          {confirmLabel ?? t("confirm")}
        </button>
      </div>
    </Modal>
  );
}

/** A button that opens a ConfirmDialog; `onClose` runs whenever the dialog closes (to reset its own inputs). */
export function ConfirmButton({
  label,
  className,
  disabled,
  danger = false,
  onClose,
  ...dialog
}: ConfirmProps & { label: ReactNode; className?: string; disabled?: boolean; onClose?: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={className ?? `btn btn-sm ${danger ? "text-red-700" : ""}`} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <ConfirmDialog
        {...dialog}
        danger={danger}
        open={open}
        onClose={() => {
          setOpen(false);
          onClose?.();
        }}
      />
    </>
  );
}
