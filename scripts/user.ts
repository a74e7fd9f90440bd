// Manage portal users from a shell (DATABASE_URL selects the database):
//
//   npm run user -- create --email a@b.c --role ADMIN|OPERATOR|MANAGER [--name "…"] [--password …]
//   npm run user -- list
//   npm run user -- set-password --email a@b.c [--password …]
//   npm run user -- disable --email a@b.c
//
// Without --password a password is generated and printed once.
// Bad input exits with status 2 and names the field; other failures exit 1.
import { parseArgs } from "node:util";

import { z } from "zod";

import { createDbClient } from "../lib/db";
import { generatePassword, hashPassword } from "../lib/passwords";

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
  disable: z.object({ email }),
};
type Command = keyof typeof schemas;

const USAGE = `usage:
  npm run user -- create --email <email> --role ${ROLES.join("|")} [--name <name>] [--password <password>]
  npm run user -- list
  npm run user -- set-password --email <email> [--password <password>]
  npm run user -- disable --email <email>`;

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

async function run(command: Command, input: Record<string, unknown>): Promise<void> {
  const db = createDbClient();
  try {
    switch (command) {
      case "create": {
        const { email, role, name } = input as z.infer<typeof schemas.create>;
        const given = input.password as string | undefined;
        if (await db.user.findUnique({ where: { email } })) {
          throw new InputError(`email: a user with email ${email} already exists`);
        }
        const plain = given ?? generatePassword();
        const user = await db.user.create({
          data: { email, role, name, passwordHash: await hashPassword(plain) },
        });
        console.log(`created ${user.role} ${user.email}`);
        if (!given) console.log(`password: ${plain}`);
        return;
      }
      case "list": {
        const users = await db.user.findMany({ orderBy: { email: "asc" } });
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
        const plain = given ?? generatePassword();
        const { count } = await db.user.updateMany({
          where: { email },
          data: { passwordHash: await hashPassword(plain) },
        });
        if (count === 0) throw new InputError(`email: no user with email ${email}`);
        console.log(`password changed for ${email}`);
        if (!given) console.log(`password: ${plain}`);
        return;
      }
      case "disable": {
        const { email } = input as z.infer<typeof schemas.disable>;
        const { count } = await db.user.updateMany({ where: { email }, data: { disabled: true } });
        if (count === 0) throw new InputError(`email: no user with email ${email}`);
        console.log(`disabled ${email}`);
        return;
      }
    }
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
