export * from "./types";
export * from "./errors";
export { createGatewayClient, type GatewayClient, type GatewayClientOptions, type PutOptions } from "./client";
export { fanOut, clientFor, DEFAULT_TIMEOUT_MS, type GatewayTarget, type FanOutResult } from "./fanout";
