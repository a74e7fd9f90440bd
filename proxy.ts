import { withAuth } from "next-auth/middleware";

// Every page needs a session; /login, next-auth's own routes and static assets do not.
// API calls with a bearer token pass through to their route handler, which must verify it
// (lib/api-tokens.ts). Roles are checked on the server by each page, action and handler.
export default withAuth({
  pages: { signIn: "/login" },
  secret: process.env.GRAYLANE_SESSION_SECRET || process.env.NEXTAUTH_SECRET,
  callbacks: {
    authorized: ({ token, req }) =>
      Boolean(token) ||
      (req.nextUrl.pathname.startsWith("/api/") && /^Bearer\s+\S+/i.test(req.headers.get("authorization") ?? "")),
  },
});

export const config = {
  matcher: [
    "/((?!login(?:/|$)|api/auth/|_next/static/|_next/image|favicon\\.ico$|robots\\.txt$|.*\\.(?:svg|png|jpg|jpeg|gif|webp|ico|woff2?)$).*)",
  ],
};
