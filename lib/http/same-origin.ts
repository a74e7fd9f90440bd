// The CSRF guard for route handlers that accept the session cookie: a browser sends the cookie
// with a form posted from any page of the same site (another port of the portal's host counts),
// so a cookie-authenticated change must come from the portal's own origin, as JSON — a plain
// HTML form can send neither a foreign Origin we accept nor Content-Type: application/json.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isMutation(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** The portal's own origins: its public URL (NEXTAUTH_URL) and the origin the request was addressed to. */
function ownOrigins(req: Request): Set<string> {
  const out = new Set<string>();
  for (const candidate of [process.env.NEXTAUTH_URL, req.url]) {
    try {
      if (candidate) out.add(new URL(candidate).origin);
    } catch {
      // not a URL: not an origin of ours
    }
  }
  const host = req.headers.get("host");
  if (host) {
    const proto = new URL(req.url).protocol;
    out.add(`${proto}//${host}`);
  }
  return out;
}

/** Sec-Fetch-Site when the browser sends it (then it decides), else the Origin header. */
export function isSameOrigin(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site) return site === "same-origin";
  const origin = req.headers.get("origin");
  return Boolean(origin) && origin !== "null" && ownOrigins(req).has(origin!);
}

export function isJson(req: Request): boolean {
  return (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase() === "application/json";
}

/** Why a cookie-authenticated request must be refused, or null when it may go on. */
export function sessionRequestProblem(req: Request): string | null {
  if (!isMutation(req.method)) return null;
  if (!isSameOrigin(req)) return `cross-origin ${req.method} (origin ${req.headers.get("origin") ?? "-"}, sec-fetch-site ${req.headers.get("sec-fetch-site") ?? "-"})`;
  if (!isJson(req)) return `${req.method} with content-type ${req.headers.get("content-type") ?? "-"}, not application/json`;
  return null;
}
