// The portal's response security headers. The static ones (static-headers.js) go on every
// response through next.config.js; the CSP carries a per-request nonce, so proxy.ts builds it per request.

export { PATHNAME_HEADER, STATIC_SECURITY_HEADERS } from "./static-headers.js";

/**
 * Scripts only with this response's nonce ('strict-dynamic' lets Next.js's nonced loader pull
 * its chunks); styles may be inline because React and the chart library write style attributes.
 */
export function contentSecurityPolicy(nonce: string, opts: { dev: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    // React's dev build needs eval for its error overlays; production does not.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${opts.dev ? " ws:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/**
 * HSTS only when the portal is served over HTTPS: its public URL (NEXTAUTH_URL) is https, or
 * GRAYLANE_TRUSTED_PROXIES is set and the TLS-terminating proxy says the request was https.
 * (proxy.ts runs before Next.js tells the socket address, so it cannot check the peer itself;
 * a forged header could only put HSTS on the forger's own response.)
 */
export function wantsHsts(req: { headers: { get(name: string): string | null }; nextUrl?: { protocol: string } }): boolean {
  if (process.env.NEXTAUTH_URL?.startsWith("https://")) return true;
  if (!process.env.GRAYLANE_TRUSTED_PROXIES?.trim()) return false;
  return req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase() === "https";
}
