"use client";

import { type FormEvent, useCallback, useState, useTransition } from "react";
import type { ActionResult } from "@/lib/actions/safe-action";
import type { FieldErrors } from "@/lib/errors";
import { useToast } from "./toaster";

type Options<T> = {
  /** Toast shown on success (already translated); omit for none. */
  successMessage?: string | ((data: T) => string);
  onSuccess?: (data: T) => void;
};

/**
 * Runs a server action built with defineAction: keeps pending state, puts field errors
 * next to fields (via `fieldErrors`) and every other error in a toast.
 */
export function useAction<I, T>(action: (input: I) => Promise<ActionResult<T>>, options: Options<T> = {}) {
  const toast = useToast();
  const [pending, startTransition] = useTransition();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});

  const run = useCallback(
    (input: I) =>
      new Promise<ActionResult<T>>((resolve) => {
        startTransition(async () => {
          let result: ActionResult<T>;
          try {
            result = await action(input);
          } catch {
            // Network failure or a server crash before the action could answer.
            result = { ok: false, error: { code: "internal", message: "" } };
          }
          if (result.ok) {
            setFieldErrors({});
            const msg = typeof options.successMessage === "function" ? options.successMessage(result.data) : options.successMessage;
            if (msg) toast.show("success", msg);
            options.onSuccess?.(result.data);
          } else {
            const errors = result.error.fieldErrors ?? {};
            setFieldErrors(errors);
            const fieldKeys = Object.keys(errors).filter((k) => k !== "_form");
            if (fieldKeys.length === 0 || errors._form) {
              toast.show("error", result.error.message || result.error.code);
            }
          }
          resolve(result);
        });
      }),
    [action, options, toast],
  );

  return { run, pending, fieldErrors, setFieldErrors };
}

/** FormData → plain object of strings (checkboxes present as "on"). */
export function formToObject(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form).entries()) if (typeof v === "string") out[k] = v;
  return out;
}

/**
 * onSubmit for a form the browser must not post itself: stops the submit and hands the form's
 * fields (FormData: repeated names, the gray rule rows) and the form to `handler`.
 */
export function submitForm(handler: (fields: FormData, form: HTMLFormElement) => void) {
  return (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    handler(new FormData(e.currentTarget), e.currentTarget);
  };
}

/** submitForm with the form's values as formToObject reads them. */
export function submitValues(handler: (values: Record<string, string>, form: HTMLFormElement) => void) {
  return submitForm((_, form) => handler(formToObject(form), form));
}
