// Writes lua/graylane/contract.lua from the gateway contract (lib/contract/limits.ts) —
// `npm run gen:contract`. Run it after changing a limit, enum or pattern, and commit the result:
// lib/contract/contract.test.ts fails while the file differs from what this script writes.
// (The OpenAPI components of the contract are checked against z.toJSONSchema by the same test;
// `npm run gen:contract -- --openapi` prints them, for pasting into openapi/graylane.yaml.)
import { writeFileSync } from "node:fs";
import path from "node:path";
import { stringify } from "yaml";
import { renderContractLua } from "../lib/contract/lua";
import { contractComponents } from "../lib/contract/openapi";

if (process.argv.includes("--openapi")) {
  console.log(stringify({ components: { schemas: contractComponents() } }, { lineWidth: 0 }));
} else {
  const target = path.join(import.meta.dirname, "../lua/graylane/contract.lua");
  writeFileSync(target, renderContractLua());
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
