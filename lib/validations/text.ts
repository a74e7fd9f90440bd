// PostgreSQL text cannot hold a NUL byte: a query with one fails (22021) and surfaces as a
// 500, or cuts a streamed export short. Inputs are checked for it up front so the caller
// gets a 400 that names the field instead.

/** The dotted path ("gray.header.name", "targets.0") of the first string in `value` that holds a NUL byte, "" for `value` itself, or null. */
export function findNulByte(value: unknown, path: readonly (string | number)[] = [], depth = 0): string | null {
  if (typeof value === "string") return value.includes("\0") ? path.join(".") : null;
  if (depth > 32 || value === null || typeof value !== "object") return null;
  if (value instanceof URLSearchParams) {
    for (const [k, v] of value) if (k.includes("\0") || v.includes("\0")) return [...path, k.replace(/\0/g, "")].join(".");
    return null;
  }
  for (const [k, v] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof k === "string" && k.includes("\0")) return [...path, k.replace(/\0/g, "")].join(".");
    const found = findNulByte(v, [...path, k], depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** Error message key (errors.validation.nulByte / releases & services catalogs) for such a field. */
export const NUL_BYTE_MESSAGE = "nulByte";
