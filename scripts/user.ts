// Manage portal users from a shell (DATABASE_URL selects the database):
//
//   npm run user -- create --email a@b.c --role ADMIN|OPERATOR|MANAGER [--name "…"] [--password …]
//   npm run user -- list
//   npm run user -- set-password --email a@b.c [--password …]
//   npm run user -- role --email a@b.c --role ADMIN|OPERATOR|MANAGER
//   npm run user -- disable --email a@b.c
//   npm run user -- enable --email a@b.c
//   npm run user -- token create --email a@b.c --name ci [--expires 30d]
//
// Every change goes through lib/users.ts, as in the portal's Users page: the same guards
// (the last enabled admin stays) and the same audit events, with the actor "cli:<OS user>".
// Without --password a password is generated and printed once. `token create` prints a new
// API token of that user (lib/api-tokens.ts, audited as api_token.create like Settings → API
// tokens) alone on stdout, for a CI bootstrap: TOKEN=$(npm run -s user -- token create …).
// Bad input or a refused change exits with status 2 and names the field; other failures exit 1.
import os from "node:os";
import { parseArgs } from "node:util";

import { z } from "zod";

import { createApiToken } from "../lib/api-tokens";
import { db } from "../lib/db";
import { isAppError } from "../lib/errors";
import { createApiTokenSchema } from "../lib/validations/settings";
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
  "token create": z.object({
    email,
    name: z.string({ error: "is required" }).pipe(createApiTokenSchema.shape.name),
    // Nd (days), as the Settings page offers; absent → no expiry.
    expires: z
      .string()
      .regex(/^\d{1,4}d$/, { error: "must be a number of days such as 30d" })
      .transform((v) => Number(v.slice(0, -1)))
      // the Settings page's limit (0 there means "never", which is the absent flag here)
      .refine((days) => days >= 1 && createApiTokenSchema.shape.expiresInDays.safeParse(days).success, { error: "is out of range (1d up to the Settings page's limit)" })
      .optional(),
  }),
};
type Command = keyof typeof schemas;

const USAGE = `usage:
  npm run user -- create --email <email> --role ${ROLES.join("|")} [--name <name>] [--password <password>]
  npm run user -- list
  npm run user -- set-password --email <email> [--password <password>]
  npm run user -- role --email <email> --role ${ROLES.join("|")}
  npm run user -- disable --email <email>
  npm run user -- enable --email <email>
  npm run user -- token create --email <email> --name <name> [--expires <days>d]`;

class InputError extends Error {}

function parse(argv: string[]): { command: Command; input: Record<string, unknown> } {
  // Two-word commands ("token create") are one schema key.
  const [first, ...after] = argv;
  const twoWords = first === "token" && after.length > 0 && !after[0].startsWith("-");
  const command = twoWords ? `${first} ${after[0]}` : first;
  const rest = twoWords ? after.slice(1) : after;
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
        expires: { type: "string" },
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
      case "token create": {
        const { email, name, expires } = input as z.infer<(typeof schemas)["token create"]>;
        const user = await existing(email);
        if (user.disabled) throw new InputError(`email: ${email} is disabled; its tokens would not work`);
        const expiresAt = expires ? new Date(Date.now() + expires * 86_400_000) : null;
        const { token, apiToken } = await createApiToken(user.id, name, { expiresAt, actor });
        console.error(`created API token "${apiToken.name}" (${apiToken.prefix}…) for ${user.email} (${user.role}), ${expiresAt ? `expires ${expiresAt.toISOString()}` : "no expiry"}`);
        console.log(token);
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
