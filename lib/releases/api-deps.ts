// The release routes' dependencies are those of every API route (lib/api/deps.ts).
export { apiDeps, resolveApiUser } from "@/lib/api/deps";
