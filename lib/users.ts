import "server-only";
import { db, type Db } from "@/lib/db";
import { AppError, isUniqueViolation } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { generatePassword, hashPassword } from "@/lib/passwords";
import type { Role } from "@/lib/rbac";
import { auditChange, type Actor } from "@/lib/audit/append";
import type { CreateUserInput } from "@/lib/validations/user";

// User administration. Passwords and hashes never leave this module except the one
// generated password returned to the admin who asked for it (shown once, never stored).

export type UserView = {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
};

const VIEW_SELECT = { id: true, email: true, name: true, role: true, disabled: true, createdAt: true } as const;

/** The actor of `npm run user`: the command line, named by the OS user who ran it. */
export function cliActor(osUser: string): Actor {
  return { id: null, email: `cli:${osUser}`, role: "CLI", clientIp: "", userAgent: "npm run user" };
}

export async function findUserByEmail(email: string): Promise<UserView | null> {
  return db.user.findUnique({ where: { email }, select: VIEW_SELECT });
}

export async function listUsers(): Promise<UserView[]> {
  return db.user.findMany({ select: VIEW_SELECT, orderBy: [{ disabled: "asc" }, { email: "asc" }] });
}

function auditJson(u: { email: string; name: string; role: string; disabled: boolean }) {
  return { email: u.email, name: u.name, role: u.role, disabled: u.disabled };
}

/**
 * Refuses a change that would leave no enabled ADMIN. The enabled admins are locked
 * (FOR UPDATE) so two admins demoting each other at once cannot both succeed.
 */
async function assertAdminRemains(tx: Prisma.TransactionClient, losingAdminId: string): Promise<void> {
  const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "User" WHERE role = 'ADMIN' AND disabled = false FOR UPDATE`;
  if (!admins.some((a) => a.id !== losingAdminId)) {
    throw new AppError("conflict", "would leave no enabled admin", { fieldErrors: { _form: ["specific.lastAdmin"] } });
  }
}

async function loadForChange(tx: Prisma.TransactionClient, id: string): Promise<UserView> {
  const user = await tx.user.findUnique({ where: { id }, select: VIEW_SELECT });
  if (!user) throw new AppError("not_found", `user ${id} not found`);
  return user;
}

/** Creates a user (audited). `client`: the database, when not the portal's (seeds, tests). */
export async function createUser(actor: Actor, input: CreateUserInput, client: Db = db): Promise<{ user: UserView; generatedPassword: string | null }> {
  const generatedPassword = input.password ? null : generatePassword();
  const passwordHash = await hashPassword(input.password || generatedPassword!);
  try {
    const user = await client.$transaction(async (tx) => {
      const created = await tx.user.create({
        data: { email: input.email, name: input.name, role: input.role, passwordHash },
        select: VIEW_SELECT,
      });
      await auditChange(tx, actor, {
        action: "user.create",
        targetType: "user",
        targetName: created.email,
        before: null,
        after: auditJson(created),
      });
      return created;
    });
    return { user, generatedPassword };
  } catch (e) {
    if (isUniqueViolation(e)) {
      throw new AppError("invalid_input", `user ${input.email} exists`, {
        params: { email: input.email },
        fieldErrors: { email: ["specific.emailTaken"] },
        cause: e,
      });
    }
    throw e;
  }
}

export async function updateUserRole(actor: Actor, id: string, role: Role): Promise<UserView> {
  return db.$transaction(async (tx) => {
    const before = await loadForChange(tx, id);
    if (before.role === role) return before;
    if (before.role === "ADMIN" && !before.disabled) await assertAdminRemains(tx, id);
    const after = await tx.user.update({ where: { id }, data: { role }, select: VIEW_SELECT });
    await auditChange(tx, actor, {
      action: "user.role",
      targetType: "user",
      targetName: after.email,
      before: auditJson(before),
      after: auditJson(after),
    });
    return after;
  });
}

export async function setUserDisabled(actor: Actor, id: string, disabled: boolean): Promise<UserView> {
  if (disabled && actor.id === id) {
    throw new AppError("conflict", "cannot disable yourself", { fieldErrors: { _form: ["specific.selfDisable"] } });
  }
  return db.$transaction(async (tx) => {
    const before = await loadForChange(tx, id);
    if (before.disabled === disabled) return before;
    if (disabled && before.role === "ADMIN") await assertAdminRemains(tx, id);
    const after = await tx.user.update({ where: { id }, data: { disabled }, select: VIEW_SELECT });
    await auditChange(tx, actor, {
      action: disabled ? "user.disable" : "user.enable",
      targetType: "user",
      targetName: after.email,
      before: auditJson(before),
      after: auditJson(after),
    });
    return after;
  });
}

/** Sets a new password (generated unless `given`) and returns it once. */
export async function resetUserPassword(actor: Actor, id: string, given?: string): Promise<{ email: string; password: string }> {
  const password = given || generatePassword();
  const passwordHash = await hashPassword(password);
  const email = await db.$transaction(async (tx) => {
    const before = await loadForChange(tx, id);
    await tx.user.update({ where: { id }, data: { passwordHash } });
    await auditChange(tx, actor, {
      action: "user.password_reset",
      targetType: "user",
      targetName: before.email,
      before: null,
      after: null,
    });
    return before.email;
  });
  return { email, password };
}
