// Writes lua/graylane/contract.lua from lib/contract/limits.ts (`npm run gen:contract`).
// Run it after changing a limit, enum or pattern of the gateway contract, and commit both.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { renderContractLua } from "../lib/contract/lua";

const target = path.join(import.meta.dirname, "../lua/graylane/contract.lua");
writeFileSync(target, renderContractLua());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
