import "server-only";
export * from "./reconcile";
export * from "./runner";
export * from "./status";
