import "server-only";
import { revalidatePath } from "next/cache";
import { revalidateService } from "@/lib/services/revalidate";
import { invalidateReleaseLive } from "./live";

/** After a release step: the release pages, the service pages and the audit log show it. */
export function revalidateRelease(service: string, id: string): void {
  revalidatePath("/releases");
  revalidatePath(`/releases/${encodeURIComponent(id)}`);
  revalidateService(service);
  invalidateReleaseLive(id);
}
