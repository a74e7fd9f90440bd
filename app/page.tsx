import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth";

// MANAGERs come to read what happened; everyone else to operate services.
export default async function Home() {
  const user = await requireUser();
  redirect(user.role === "MANAGER" ? "/audit" : "/services");
}
