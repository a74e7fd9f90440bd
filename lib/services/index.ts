// Server-side service logic. Import the pure parts (state, impact, stats) directly from
// client code; this index pulls in the database and gateway tokens.
import "server-only";
export type { Db, Tx } from "@/lib/db";
export { auditActor, auditChange, SYSTEM_ACTOR, type Actor } from "@/lib/audit/append";
export * from "./state";
export * from "./impact";
export * from "./stats";
export * from "./read";
export * from "@/lib/gateways/targets";
export * from "./push";
export * from "./mutations";
export * from "./live";
