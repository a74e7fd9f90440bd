// node:test fixtures on test/support/gateway.ts (kept apart from it: bench/ and e2e/ import
// that module and must not load node:test).
import { before, after } from "node:test";
import { gateway, backends, type TestGateway } from "./gateway";
import type { GatewayOptions } from "../../scripts/lib/gateway";
import type { BackendsHandle } from "../../scripts/lib/backends";

/**
 * For the tests of one file: `nBackends` backends, then a gateway started with `opts`, before
 * the first test (`ready` gets both, e.g. to keep them and put the file's services); both
 * stopped after the last.
 */
export function withGateway(
  nBackends: number,
  opts: Partial<GatewayOptions>,
  ready: (gw: TestGateway, be: BackendsHandle) => void | Promise<void>,
): void {
  let gw: TestGateway | undefined;
  let be: BackendsHandle | undefined;
  before(async () => {
    be = await backends(nBackends);
    gw = await gateway(opts);
    await ready(gw, be);
  });
  after(async () => {
    await gw?.stop();
    await be?.stop();
  });
}
