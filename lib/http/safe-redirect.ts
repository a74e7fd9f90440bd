// Where a sign-in may send the browser: a path on the portal itself, never another host.
// Browsers drop tabs and newlines from URLs and read "\" as "/", so "/\t/evil.example" and
// "/\evil.example" are "//evil.example" — another host. Deciding on the raw string is not
// enough: the value is refused when it has such characters and, after URL parsing against the
// portal's origin, must still be on that origin.

const BASE = "http://graylane.invalid";

/** `value` as a same-origin path (+ query + hash), or "/" when it is anything else. */
export function safeCallbackPath(value: unknown, origin: string = BASE): string {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== "string" || !v) return "/";
  // Control characters (tab, newline, NUL…), backslashes and spaces have no place in our paths.
  if (/[\u0000-\u0020\u007f\\]/.test(v)) return "/";
  let base: URL;
  let url: URL;
  try {
    base = new URL(origin);
    url = new URL(v, base);
  } catch {
    return "/";
  }
  // An absolute URL is fine only when it is our own origin (next-auth passes those).
  if (url.origin !== base.origin) return "/";
  if (!v.startsWith("/") && !v.startsWith(base.origin + "/") && v !== base.origin) return "/";
  if (url.pathname.startsWith("//")) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}
