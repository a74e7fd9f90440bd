// Cost of notifications, measured (not asserted): what queuing an event adds to a release
// change's transaction with 0, 1 and 10 subscribed webhooks (against an empty transaction in
// the same run), and how fast the outbox drains 1,000 deliveries to a local receiver.
// Run: npx tsx --conditions=react-server bench/notifications.ts   (numbers: docs/benchmarks.md)
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createDbClient } from "../lib/db";
import type { Prisma } from "../lib/generated/prisma/client";
import { emit, newPayload } from "../lib/notifications/events";
import { deliverDue } from "../lib/notifications/outbox";
import { createWebhookSchema } from "../lib/notifications/schema";
import { createWebhook } from "../lib/notifications/webhooks";
import { createTestDatabase, ensurePostgresServer } from "../scripts/lib/database";

process.env.GRAYLANE_SECRET_KEY ??= randomBytes(32).toString("hex");
process.env.GRAYLANE_AUDIT_KEY ??= randomBytes(32).toString("hex");
const actor = { id: null, email: "bench@example.test", role: "ADMIN", clientIp: "", userAgent: "bench" };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const t = await createTestDatabase(await ensurePostgresServer());
  const db = createDbClient(t.url);
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  try {
    const N = 300;
    const time = async (fn: () => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < N; i++) {
        const s = process.hrtime.bigint();
        await fn();
        xs.push(Number(process.hrtime.bigint() - s) / 1e6);
      }
      return median(xs);
    };
    const baseline = await time(() => db.$transaction(async (tx) => tx.$executeRaw`SELECT 1`));
    const results: Record<string, number> = { "empty transaction": baseline };
    let hooks = 0;
    for (const want of [0, 1, 10]) {
      while (hooks < want) {
        await createWebhook(db, actor, createWebhookSchema.parse({ name: `h${hooks}`, format: "generic", url, events: ["release.step"], enabled: true }));
        hooks++;
      }
      results[`emit, ${want} webhooks`] = await time(() => db.$transaction(async (tx) => { await tx.$executeRaw`SELECT 1`; return emit(tx, newPayload("release.step", { service: "shop" })); }));
    }
    await db.webhookDelivery.deleteMany({});
    await db.webhook.updateMany({ where: { name: { not: "h0" } }, data: { enabled: false } });
    const h0 = await db.webhook.findUniqueOrThrow({ where: { name: "h0" } });
    const payload = newPayload("release.step", { service: "shop" }) as unknown as Prisma.InputJsonValue;
    await db.webhookDelivery.createMany({ data: Array.from({ length: 1000 }, () => ({ webhookId: h0.id, event: "release.step", eventId: "bench", payload })) });
    const s = Date.now();
    const opts = { backoffMs: 1000, maxBackoffMs: 1000, maxAttempts: 3, timeoutMs: 5000, batch: 20 };
    while ((await deliverDue(db, opts)).delivered > 0);
    const ms = Date.now() - s;
    for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(22)} median ${v.toFixed(2)} ms (+${(v - baseline).toFixed(2)} ms)`);
    console.log(`outbox drain: ${received} deliveries in ${ms} ms = ${Math.round((received / ms) * 1000)}/s (batch 20)`);
  } finally {
    server.close();
    await db.$disconnect();
    await t.drop();
  }
}

void main();
