// The address rules are part of the gateway contract (lib/contract/address.ts).
export { canonicalAddr, canonicalCidr } from "@/lib/contract/address";
