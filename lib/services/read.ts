import "server-only";
import type { Db, Tx } from "@/lib/db";
import { normalizeGray, normalizeHealth, type DesiredService } from "./state";

export type StoredService = DesiredService & { id: string };

const include = { nodes: { orderBy: [{ createdAt: "asc" as const }, { addr: "asc" as const }] } };

type Row = NonNullable<Awaited<ReturnType<typeof find>>>;
function find(db: Db | Tx, name: string) {
  return db.service.findUnique({ where: { name }, include });
}

export function toDesired(row: Row): StoredService {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    gray: normalizeGray(row.gray),
    revision: row.revision,
    groups: row.groups,
    health: normalizeHealth(row.health),
    nodes: row.nodes.map((n) => ({ addr: n.addr, weight: n.weight, state: n.state, backup: n.backup, note: n.note })),
  };
}

/** The desired state of one service, or null when the database does not know it. */
export async function loadDesired(db: Db | Tx, name: string): Promise<StoredService | null> {
  const row = await find(db, name);
  return row ? toDesired(row) : null;
}

export async function loadAllDesired(db: Db): Promise<StoredService[]> {
  const rows = await db.service.findMany({ include, orderBy: { name: "asc" } });
  return rows.map(toDesired);
}
