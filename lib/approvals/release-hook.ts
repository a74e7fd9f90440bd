// The release flow's one hook (lib/releases/mutations.ts commit(), inside its transaction):
// queue the change's notification and settle its approvals.
import type { Prisma } from "@/lib/generated/prisma/client";
import { emitReleaseChange } from "@/lib/notifications/release-events";
import { settleApprovals } from "./requests";

type Change = Parameters<typeof emitReleaseChange>[1];

export async function onReleaseChange(tx: Pick<Prisma.TransactionClient, "webhook" | "webhookDelivery" | "approvalRequest">, c: Change): Promise<void> {
  await settleApprovals(tx, c);
  await emitReleaseChange(tx, c);
}
