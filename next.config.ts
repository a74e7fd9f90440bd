import type { NextConfig } from "next";
import createNextIntlPlugin from "next-intl/plugin";

const withNextIntl = createNextIntlPlugin("./i18n/request.ts");

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // forbidden() from requirePermission renders app/forbidden.tsx.
  experimental: { authInterrupts: true },
  // Catalogs are read from disk at run time (lib/i18n/catalog.ts).
  outputFileTracingIncludes: { "/**": ["./messages/**/*.json"] },
  serverExternalPackages: ["@node-rs/argon2", "pg"],
};

export default withNextIntl(nextConfig);
