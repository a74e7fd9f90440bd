// Shared by the audit history tests: a fresh migrated database and a CSV reader.
import { createDbClient } from "@/lib/db";
import { createTestDatabase, ensurePostgresServer, type TestDatabase } from "../../scripts/lib/database";

export type AuditTestDb = { db: ReturnType<typeof createDbClient>; database: TestDatabase; stop: () => Promise<void> };

export async function freshDatabase(): Promise<AuditTestDb> {
  const database = await createTestDatabase(await ensurePostgresServer());
  const db = createDbClient(database.url);
  return {
    db,
    database,
    stop: async () => {
      await db.$disconnect();
      await database.drop();
    },
  };
}

/** RFC 4180 reader (quoted fields, doubled quotes, CRLF), independent of the writer under test. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}
