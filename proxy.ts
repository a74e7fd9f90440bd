import { getToken } from "next-auth/jwt";
import { NextResponse, type NextRequest } from "next/server";
import { CLAIMED_FOR_HEADER, PEER_HEADER } from "@/lib/http/client-ip";
import { contentSecurityPolicy, wantsHsts } from "@/lib/http/security-headers";
import { PATHNAME_HEADER } from "@/lib/http/static-headers.js";

// Runs before every page, server action and route handler (not static assets):
// 1. client address: the incoming X-Forwarded-For is moved to an internal header (any copy of
//    that header a client sent is dropped first), so Next.js fills X-Forwarded-For with the
//    socket address; lib/http/client-ip.ts trusts the claim only from GRAYLANE_TRUSTED_PROXIES;
// 2. a CSP nonce per request (Next.js reads it from the request's CSP header and puts it on its
//    scripts) and HSTS over HTTPS; the static security headers are in next.config.js;
// 3. every page needs a session; API calls with a bearer token pass through to their route
//    handler, which verifies it (lib/api-tokens.ts). Roles, the session version and disabled
//    users are checked on the server by each page, action and handler (lib/auth.ts).
export async function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  const headers = new Headers(req.headers);
  const claimedFor = headers.get(PEER_HEADER);
  headers.delete(PEER_HEADER);
  headers.delete(CLAIMED_FOR_HEADER);
  if (claimedFor) headers.set(CLAIMED_FOR_HEADER, claimedFor);
  headers.set(PATHNAME_HEADER, pathname);

  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64");
  const https = wantsHsts(req);
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development", https });
  headers.set("content-security-policy", csp);

  const isPublic = pathname === "/login" || pathname.startsWith("/login/") || pathname.startsWith("/api/auth/") || PUBLIC_FILE.test(pathname);
  const hasBearer = pathname.startsWith("/api/") && /^Bearer\s+\S+/i.test(req.headers.get("authorization") ?? "");
  let res: NextResponse;
  if (isPublic || hasBearer || (await getToken({ req, secret: process.env.GRAYLANE_SESSION_SECRET || process.env.NEXTAUTH_SECRET }))) {
    res = NextResponse.next({ request: { headers } });
  } else {
    const login = new URL("/login", req.url);
    login.searchParams.set("callbackUrl", `${pathname}${search}`);
    res = NextResponse.redirect(login);
  }
  res.headers.set("content-security-policy", csp);
  if (https) res.headers.set("strict-transport-security", "max-age=31536000");
  return res;
}

// Files anyone may fetch without a session. They still pass through here (headers, client
// address): a service may be called "logo.png", and its page must not escape this file.
const PUBLIC_FILE = /^\/(?:favicon\.ico|robots\.txt)$|\.(?:svg|png|jpg|jpeg|gif|webp|ico|woff2?)$/;

export const config = {
  matcher: ["/((?!_next/static/|_next/image).*)"],
};
