import "server-only";
import { revalidatePath } from "next/cache";

/** After a service change: the overview, the service page and the audit log show it. */
export function revalidateService(name: string): void {
  revalidatePath("/services");
  revalidatePath(`/services/${encodeURIComponent(name)}`);
  revalidatePath("/audit");
}
