import createNextIntlPlugin from "next-intl/plugin";
import { STATIC_SECURITY_HEADERS } from "./lib/http/static-headers.js";

const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // On every response, static files included; the CSP (per-request nonce) and HSTS are set by proxy.ts.
  headers: async () => [{ source: "/:path*", headers: STATIC_SECURITY_HEADERS }],
  // forbidden() from requirePermission renders app/forbidden.tsx.
  experimental: { authInterrupts: true },
  // Catalogs are read from disk at run time (lib/i18n/catalog.ts).
  outputFileTracingIncludes: { "/**": ["./messages/**/*.json"] },
  serverExternalPackages: ["@node-rs/argon2", "pg"],
  // The whole project (tests, scripts, benches too) is type-checked by `tsc --noEmit`, its own
  // suite in `npm test`; checking it again inside every build doubled the build time and let a
  // test file that does not compile stop the demo from starting (README, "Tests").
  typescript: { ignoreBuildErrors: true },
};

export default withNextIntl(nextConfig);
