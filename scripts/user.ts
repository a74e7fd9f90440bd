// Manage portal users from a shell (DATABASE_URL selects the database):
//
//   npm run user -- create --email a@b.c --role ADMIN|OPERATOR|MANAGER [--name "…"] [--password …]
//   npm run user -- list
//   npm run user -- set-password --email a@b.c [--password …]
//   npm run user -- role --email a@b.c --role ADMIN|OPERATOR|MANAGER
//   npm run user -- disable --email a@b.c
//   npm run user -- enable --email a@b.c
//
// Every change goes through lib/users.ts, as in the portal's Users page: the same guards
// (the last enabled admin stays) and the same audit events, with the actor "cli:<OS user>".
// Without --password a password is generated and printed once.
// Bad input or a refused change exits with status 2 and names the field; other failures exit 1.
import os from "node:os";
import { parseArgs } from "node:util";

import { z } from "zod";

import { db } from "../lib/db";
import { isAppError } from "../lib/errors";
import { cliActor, createUser, findUserByEmail, listUsers, resetUserPassword, setUserDisabled, updateUserRole, type UserView } from "../lib/users";

const ROLES = ["ADMIN", "OPERATOR", "MANAGER"] as const;

const email = z
  .string({ error: "is required" })
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: "must be an email address" }));
const password = z
  .string()
  .min(12, { error: "must be at least 12 characters" })
  .max(200, { error: "must be at most 200 characters" })
  .optional();

const schemas = {
  create: z.object({
    email,
    role: z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }),
    name: z.string().trim().max(100, { error: "must be at most 100 characters" }).default(""),
    password,
  }),
  list: z.object({}),
  "set-password": z.object({ email, password }),
  role: z.object({ email, role: z.enum(ROLES, { error: `must be one of ${ROLES.join(", ")}` }) }),
  disable: z.object({ email }),
  enable: z.object({ email }),
};
type Command = keyof typeof schemas;

const USAGE = `usage:
  npm run user -- create --email <email> --role ${ROLES.join("|")} [--name <name>] [--password <password>]
  npm run user -- list
  npm run user -- set-password --email <email> [--password <password>]
  npm run user -- role --email <email> --role ${ROLES.join("|")}
  npm run user -- disable --email <email>
  npm run user -- enable --email <email>`;

class InputError extends Error {}

function parse(argv: string[]): { command: Command; input: Record<string, unknown> } {
  const [command, ...rest] = argv;
  if (!command || !(command in schemas)) {
    throw new InputError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        email: { type: "string" },
        role: { type: "string" },
        name: { type: "string" },
        password: { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new InputError(`${(error as Error).message}\n${USAGE}`);
  }
  const result = schemas[command as Command].safeParse(values);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`);
    throw new InputError(lines.join("\n"));
  }
  return { command: command as Command, input: result.data as Record<string, unknown> };
}

function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? "unknown";
  }
}

async function existing(email: string): Promise<UserView> {
  const user = await findUserByEmail(email);
  if (!user) throw new InputError(`email: no user with email ${email}`);
  return user;
}

async function run(command: Command, input: Record<string, unknown>): Promise<void> {
  const actor = cliActor(osUser());
  try {
    switch (command) {
      case "create": {
        const { email, role, name } = input as z.infer<typeof schemas.create>;
        const given = input.password as string | undefined;
        if (await findUserByEmail(email)) throw new InputError(`email: a user with email ${email} already exists`);
        const { user, generatedPassword } = await createUser(actor, { email, role, name, password: given ?? "" });
        console.log(`created ${user.role} ${user.email}`);
        if (generatedPassword) console.log(`password: ${generatedPassword}`);
        return;
      }
      case "list": {
        const users = (await listUsers()).sort((a, b) => a.email.localeCompare(b.email));
        if (users.length === 0) console.log("no users");
        for (const user of users) {
          const state = user.disabled ? "disabled" : "active";
          console.log(`${user.email}\t${user.role}\t${state}\t${user.name}\t${user.createdAt.toISOString()}`);
        }
        return;
      }
      case "set-password": {
        const { email } = input as z.infer<(typeof schemas)["set-password"]>;
        const given = input.password as string | undefined;
        const { password } = await resetUserPassword(actor, (await existing(email)).id, given);
        console.log(`password changed for ${email}`);
        if (!given) console.log(`password: ${password}`);
        return;
      }
      case "role": {
        const { email, role } = input as z.infer<typeof schemas.role>;
        const user = await updateUserRole(actor, (await existing(email)).id, role);
        console.log(`${user.email} is ${user.role}`);
        return;
      }
      case "disable":
      case "enable": {
        const { email } = input as z.infer<typeof schemas.disable>;
        await setUserDisabled(actor, (await existing(email)).id, command === "disable");
        console.log(`${command}d ${email}`);
        return;
      }
    }
  } catch (e) {
    // The guards of lib/users.ts (e.g. the last enabled admin) refuse with an AppError.
    if (isAppError(e) && (e.code === "conflict" || e.code === "invalid_input" || e.code === "not_found")) {
      const field = Object.keys(e.fieldErrors ?? {})[0];
      throw new InputError(`${field && field !== "_form" ? `${field}: ` : ""}${e.message}`);
    }
    throw e;
  } finally {
    await db.$disconnect();
  }
}

async function main(): Promise<void> {
  try {
    const { command, input } = parse(process.argv.slice(2));
    await run(command, input);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = error instanceof InputError ? 2 : 1;
  }
}

await main();
