// The audit chain lives in lib/audit/ (chain.ts: hashing and appending; verify.ts: the
// verifier). This module keeps the import path that the mutation modules of other areas
// (services, releases, gateways, API tokens) use.
export * from "./audit/chain";
export { verifyAuditChain, type AuditChainBreak, type AuditChainReport } from "./audit/verify";
