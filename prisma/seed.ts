// The seed: users, gateways and services written through the same lib functions as the
// portal's pages and `npm run user` (the same checks, argon2id hashes, encrypted gateway
// tokens, audit events by the actor "seed"). Used by `npm run demo` (its first admin), the
// integration tests, the Playwright global setup and the benches.
//
//   npx prisma db seed                        the first admin, when the database has no user
//   node --conditions=react-server --import tsx prisma/seed.ts spec.json
//                                             the users and gateways of a spec (SeedSpec);
//                                             prints {users:[{email,id}],gateways:[{name,id}]}
//
// DATABASE_URL selects the database; GRAYLANE_SECRET_KEY (gateway tokens) and
// GRAYLANE_AUDIT_KEY (the audit chain) must be set as for the portal. Runs under the
// react-server condition: the lib modules are marked server-only.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import type { Actor } from "../lib/audit/append";
import { createDbClient, type Db } from "../lib/db";
import { createGateway } from "../lib/gateways/registry";
import { generatePassword } from "../lib/passwords";
import type { Role } from "../lib/rbac";
import { createService, type MutationResult } from "../lib/services/mutations";
import { createUser, type UserView } from "../lib/users";
import { createGatewaySchema } from "../lib/validations/gateway";
import { createServiceSchema } from "../lib/validations/node";
import { createUserSchema } from "../lib/validations/user";

/** Who the seed's audit events name. */
export const SEED_ACTOR: Actor = { id: null, email: "seed", role: "SYSTEM", clientIp: "", userAgent: "prisma/seed" };

export const DEMO_ADMIN_EMAIL = "admin@graylane.local";

export type SeedUser = { email: string; role: Role; name?: string; password?: string };
export type SeedGateway = { name: string; adminUrl: string; proxyUrl?: string | null; token: string };
export type SeedSpec = { users?: SeedUser[]; gateways?: SeedGateway[] };
export type Seeded = { users: (UserView & { password: string })[]; gateways: { name: string; id: string }[] };

/** A user as the Users page creates it; without `password` one is generated (returned). */
export async function seedUser(db: Db, u: SeedUser): Promise<UserView & { password: string }> {
  const password = u.password ?? generatePassword();
  const input = createUserSchema.parse({ email: u.email, name: u.name ?? "", role: u.role, password });
  const { user } = await createUser(SEED_ACTOR, input, db);
  return { ...user, password };
}

/** A gateway as the Gateways page registers it (URL checks, encrypted token). */
export async function seedGateway(db: Db, g: SeedGateway): Promise<{ name: string; id: string }> {
  const input = createGatewaySchema.parse({ name: g.name, adminUrl: g.adminUrl, proxyUrl: g.proxyUrl ?? "", token: g.token });
  const gw = await createGateway(SEED_ACTOR, input, db);
  return { name: gw.name, id: gw.id };
}

/** A service with these nodes (all active), created and pushed as the New service form does. */
export function seedService(db: Db, name: string, addrs: readonly string[], fields: Record<string, unknown> = {}): Promise<MutationResult> {
  return createService(db, SEED_ACTOR, createServiceSchema.parse({ name, nodes: addrs.map((addr) => ({ addr })), ...fields }));
}

export async function seed(db: Db, spec: SeedSpec): Promise<Seeded> {
  const out: Seeded = { users: [], gateways: [] };
  for (const u of spec.users ?? []) out.users.push(await seedUser(db, u));
  for (const g of spec.gateways ?? []) out.gateways.push(await seedGateway(db, g));
  return out;
}

/** The first ADMIN with a generated password, when the database has no user at all; else null. */
export async function ensureAdminUser(db: Db): Promise<{ email: string; password: string } | null> {
  if ((await db.user.count()) > 0) return null;
  const { email, password } = await seedUser(db, { email: DEMO_ADMIN_EMAIL, name: "Administrator", role: "ADMIN" });
  return { email, password };
}

async function main(): Promise<void> {
  const db = createDbClient();
  try {
    const file = process.argv[2];
    if (file) {
      const seeded = await seed(db, JSON.parse(readFileSync(file, "utf8")) as SeedSpec);
      // Passwords stay with whoever wrote the spec (or were generated and are not needed).
      console.log(JSON.stringify({ users: seeded.users.map(({ email, id }) => ({ email, id })), gateways: seeded.gateways }));
      return;
    }
    const admin = await ensureAdminUser(db);
    console.log(admin ? `seed: created ${admin.email} with password ${admin.password} (shown once)` : "seed: users exist, nothing to do");
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`seed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
