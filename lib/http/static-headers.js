// The portal's static response security headers and the header names shared by next.config.js
// and proxy.ts. Plain JavaScript (typed in static-headers.d.ts): next.config.js is loaded by
// Node itself, before any TypeScript is compiled.

/** Set by proxy.ts (any incoming copy dropped): the page path, for the portal layout's role check. */
export const PATHNAME_HEADER = "x-graylane-pathname";

/** On every response (next.config.js), static files included; the CSP and HSTS come from proxy.ts. */
export const STATIC_SECURITY_HEADERS = [
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
];
