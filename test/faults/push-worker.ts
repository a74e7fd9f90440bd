// A portal worker for the fault suite: applies one node change through the server function
// (desired state + audit in one transaction, then the push to every gateway). The suite
// SIGKILLs it in the middle of its push.
import { createDbClient } from "@/lib/db";
import { addNode } from "@/lib/services/mutations";
import type { Actor } from "@/lib/audit/append";

const actor: Actor = { id: "u-worker", email: "worker@example.test", role: "OPERATOR", clientIp: "203.0.113.7", userAgent: "fault-suite" };
const input = JSON.parse(process.argv[2] ?? "{}");
const db = createDbClient(process.env.DATABASE_URL);
process.stdout.write("start\n");
addNode(db, actor, input).then(
  (r) => {
    process.stdout.write(`done ${r.eventId}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`failed ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
