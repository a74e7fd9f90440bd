// Moved: Db/Tx live in lib/db.ts, Actor and the audit helper in lib/audit/append.ts. This
// re-export keeps branches written against the old path compiling until they are merged.
export type { Db, Tx } from "@/lib/db";
export { auditActor, SYSTEM_ACTOR, type Actor } from "@/lib/audit/append";
