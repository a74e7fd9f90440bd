import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth";

// MANAGERs come to review what was released and how it went; everyone else to operate services.
export default async function Home() {
  const user = await requireUser();
  redirect(user.role === "MANAGER" ? "/releases/history" : "/services");
}
