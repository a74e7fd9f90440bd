// Server-side release logic. Pure parts (plan, analysis, guards) can be imported directly
// from client code; this index pulls in the database and the gateways.
import "server-only";
export * from "./plan";
export * from "./analysis";
export * from "./guards";
export * from "./tester";
export * from "./mutations";
export * from "./read";
export * from "./analyzer";
