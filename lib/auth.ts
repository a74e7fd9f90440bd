import "server-only";
import { randomUUID } from "node:crypto";
import { getServerSession, type NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { headers } from "next/headers";
import { forbidden, redirect } from "next/navigation";
import { cache } from "react";
import { db } from "@/lib/db";
import { log } from "@/lib/log";
import { hashPassword, verifyPassword } from "@/lib/passwords";
import { can, isRole, type Permission, type Role } from "@/lib/rbac";
import { clientIp as clientIpOf } from "@/lib/http/client-ip";
import { PATHNAME_HEADER } from "@/lib/http/security-headers";
import { checkLoginThrottle, recordLoginAttempt } from "@/lib/login-throttle";
import { pagePermission } from "@/lib/http/page-permissions";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { auditChange, type Actor } from "@/lib/audit/append";

export type SessionUser = {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  timeZone: string | null;
};

/** Messages the login form understands; the rate limit carries its retry time in ms. */
export const LOGIN_ERROR = {
  invalid: "invalid_credentials",
  disabled: "account_disabled",
  rateLimited: "rate_limited",
  unavailable: "database_unavailable",
} as const;

function sessionSecret(): string | undefined {
  const secret = process.env.GRAYLANE_SESSION_SECRET || process.env.NEXTAUTH_SECRET;
  if (!secret && process.env.NODE_ENV === "production" && process.env.NEXT_PHASE !== "phase-production-build") {
    throw new Error("GRAYLANE_SESSION_SECRET (or NEXTAUTH_SECRET) must be set in production: a random string of 32+ characters");
  }
  return secret;
}

function sessionMaxAgeSeconds(): number {
  const hours = Number(process.env.GRAYLANE_SESSION_HOURS ?? "8");
  return Math.round((Number.isFinite(hours) && hours > 0 ? hours : 8) * 3600);
}

// Verified when the email is unknown, so an unknown email costs as much as a wrong password.
let dummyHash: Promise<string> | undefined;
function getDummyHash(): Promise<string> {
  return (dummyHash ??= hashPassword(randomUUID()));
}

export const authOptions: NextAuthOptions = {
  secret: sessionSecret(),
  session: { strategy: "jwt", maxAge: sessionMaxAgeSeconds() },
  jwt: { maxAge: sessionMaxAgeSeconds() },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? "").trim().toLowerCase();
        const password = String(credentials?.password ?? "");
        if (!email || !password) throw new Error(LOGIN_ERROR.invalid);
        const clientIp = clientIpOf(req?.headers) || "unknown";
        let user;
        try {
          const throttle = await checkLoginThrottle(db, email, clientIp);
          if (throttle.blocked) {
            log.warn("auth.throttled", { email, clientIp, retryAt: throttle.retryAt.toISOString() });
            throw new Error(`${LOGIN_ERROR.rateLimited}:${throttle.retryAt.getTime()}`);
          }
          user = await db.user.findUnique({ where: { email } });
        } catch (e) {
          if (e instanceof Error && e.message.startsWith(LOGIN_ERROR.rateLimited)) throw e;
          log.error("auth.db_failed", { error: e instanceof Error ? e.message : String(e) });
          throw new Error(LOGIN_ERROR.unavailable);
        }
        const ok = await verifyPassword(user?.passwordHash ?? (await getDummyHash()), password).catch(() => false);
        await recordLoginAttempt(db, email, clientIp, Boolean(user && ok));
        if (!user || !ok) {
          log.info("auth.failed", { email, clientIp });
          throw new Error(LOGIN_ERROR.invalid);
        }
        if (user.disabled) throw new Error(LOGIN_ERROR.disabled);
        log.info("auth.login", { userId: user.id, email, clientIp });
        return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) {
        token.sub = user.id;
        token.sv = (user as { sessionVersion?: number }).sessionVersion ?? 0;
      }
      return token;
    },
    async session({ session, token }) {
      // Only the id and the session version travel; role and the rest are re-read per request.
      return { expires: session.expires, user: { id: token.sub, sv: token.sv } } as typeof session;
    },
    // Where next-auth may send the browser after sign-in/out: same-origin paths only.
    async redirect({ url, baseUrl }) {
      return baseUrl + safeCallbackPath(url, baseUrl);
    },
  },
  events: {
    // Signing out ends every session of the user, including copies of this cookie.
    async signOut({ token }) {
      if (!token?.sub) return;
      await endAllSessions(token.sub, { ifVersion: typeof token.sv === "number" ? token.sv : undefined }).catch((e) =>
        log.error("auth.signout_failed", { userId: token.sub, error: e instanceof Error ? e.message : String(e) }),
      );
    },
  },
};

/**
 * Ends every session of the user at once (bumps User.sessionVersion). With `ifVersion`, only
 * when the sessions are still at that version, so a sign-out after "sign out everywhere" does
 * not bump twice. Password, role and disabled changes bump it in the database (a trigger).
 */
export async function endAllSessions(userId: string, opts: { ifVersion?: number; actor?: Actor } = {}): Promise<void> {
  await db.$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: userId, ...(opts.ifVersion === undefined ? {} : { sessionVersion: opts.ifVersion }) },
      data: { sessionVersion: { increment: 1 } },
    });
    if (count && opts.actor) {
      await auditChange(tx, opts.actor, {
        action: "user.sign_out_everywhere",
        targetType: "user",
        targetName: opts.actor.email,
        before: null,
        after: null,
      });
    }
  });
}

/**
 * The signed-in user, re-read from the database on every request so a disabled user, a role
 * change or a newer session version takes effect at once. null when there is no valid session.
 * Throws when the database cannot be reached (the portal layout shows a banner).
 */
export const getSessionUser = cache(async (): Promise<SessionUser | null> => {
  const session = await getServerSession(authOptions);
  const { id, sv } = (session?.user ?? {}) as { id?: unknown; sv?: unknown };
  if (typeof id !== "string" || !id) return null;
  const user = await db.user.findUnique({
    where: { id },
    select: { id: true, email: true, name: true, role: true, locale: true, timeZone: true, disabled: true, sessionVersion: true },
  });
  // A session from before the last sign-out, password/role change or disable is over.
  if (!user || user.disabled || !isRole(user.role) || (sv ?? 0) !== user.sessionVersion) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, locale: user.locale, timeZone: user.timeZone };
});

/** For pages: the user, or a redirect to /login. */
export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/login");
  return user;
}

/** For the portal layout: 403 when the requested page (path from proxy.ts) needs a permission the user lacks. */
export async function requirePageAccess(user: SessionUser): Promise<void> {
  const permission = pagePermission((await headers()).get(PATHNAME_HEADER) ?? "");
  if (permission && !can(user.role, permission)) forbidden();
}

/** For pages: the user when their role has `permission`, else the 403 page. */
export async function requirePermission(permission: Permission): Promise<SessionUser> {
  const user = await requireUser();
  if (!can(user.role, permission)) forbidden();
  return user;
}
