// Gateway admin-API errors keep their machine code; people read a translation of the
// codes Graylane knows and, for any other, the gateway's own message with the code.

type Translator = {
  (key: string, values?: Record<string, string | number>): string;
  has(key: string): boolean;
};

/** `t` must be the `errors` namespace translator (server or client). */
export function gatewayErrorMessage(t: Translator, error: { code: string; message?: string | null }): string {
  const key = `gateway.${error.code}`;
  const message = error.message ?? "";
  if (/^[a-z0-9_]+$/.test(error.code) && t.has(key)) return t(key, { message, code: error.code });
  return t("gateway.unknown", { message: message || error.code, code: error.code });
}
