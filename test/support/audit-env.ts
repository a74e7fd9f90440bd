// Import first in tests that write or verify the audit log: the audit key the chain is
// signed with (the portal reads the same variable) and a throwaway checkpoint folder, so a
// test never writes into or verifies against the repository's .graylane/.
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";

process.env.GRAYLANE_AUDIT_KEY ??= randomBytes(32).toString("hex");
process.env.GRAYLANE_AUDIT_CHECKPOINT_DIR ??= mkdtempSync(path.join(os.tmpdir(), "graylane-audit-checkpoints-"));
